package pattern

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"

	"golang.org/x/crypto/ssh"
)

// FragKey is a private key's secret numbers: RSA's private exponent and
// primes, an ECDSA private scalar, an Ed25519 seed, as big-endian bytes.
// A step that converts a key (PKCS#1 to PKCS#8, PEM to DER, OpenSSH's own
// format to PEM, or just re-saves it with ssh-keygen -p, which draws new
// check numbers) writes none of its PEM lines, but these numbers stay:
// raw in DER, as mpints in OpenSSH's format, base64'd at some alignment in
// every PEM body (the Stream's view joins the wrapped lines), hex in a
// dump. Public numbers (modulus, public point) are never patterns: a .pub
// file or a certificate is no leak.
const FragKey = "key-material"

// keyMaterial returns the secret numbers of an unencrypted private key in
// DER (PKCS#1, PKCS#8, SEC 1) or OpenSSH's binary format; nothing for
// anything else.
func keyMaterial(der []byte) [][]byte {
	var key any
	var err error
	if bytes.HasPrefix(der, []byte("openssh-key-v1\x00")) {
		key, err = ssh.ParseRawPrivateKey(pem.EncodeToMemory(&pem.Block{Type: "OPENSSH PRIVATE KEY", Bytes: der}))
	} else if key, err = x509.ParsePKCS8PrivateKey(der); err != nil {
		if key, err = x509.ParsePKCS1PrivateKey(der); err != nil {
			key, err = x509.ParseECPrivateKey(der)
		}
	}
	if err != nil {
		return nil
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		out := [][]byte{k.D.Bytes()}
		for _, p := range k.Primes {
			out = append(out, p.Bytes())
		}
		return out
	case *ecdsa.PrivateKey:
		return [][]byte{k.D.Bytes()}
	case ed25519.PrivateKey:
		return [][]byte{k.Seed()}
	case *ed25519.PrivateKey:
		return [][]byte{k.Seed()}
	}
	return nil
}

// key records the secret numbers of a private key given as DER and
// reports whether there were any.
func (d *deriver) key(der []byte) bool {
	nums := keyMaterial(der)
	for _, b := range nums {
		d.add(FragKey, b)
	}
	return len(nums) > 0
}
