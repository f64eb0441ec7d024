package pattern

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"testing"

	"golang.org/x/crypto/ssh"
)

// keyForms returns a private key in every form a conversion writes, and
// its public half in the forms that are no leak.
func keyForms(t *testing.T, key crypto.Signer) (private, public map[string][]byte) {
	t.Helper()
	private = map[string][]byte{}
	pk8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	private["PKCS#8 PEM"] = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk8})
	private["PKCS#8 DER"] = pk8
	private["PKCS#8 DER hex dump"] = []byte(hex.EncodeToString(pk8))
	switch k := key.(type) {
	case *rsa.PrivateKey:
		der := x509.MarshalPKCS1PrivateKey(k)
		private["PKCS#1 PEM"] = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: der})
		private["PKCS#1 DER"] = der
	case *ecdsa.PrivateKey:
		der, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		private["SEC 1 PEM"] = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
	}
	blk, err := ssh.MarshalPrivateKey(key, "converted")
	if err != nil {
		t.Fatal(err)
	}
	private["OpenSSH"] = pem.EncodeToMemory(blk)
	pub, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	public = map[string][]byte{
		"PKIX PEM":        pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}),
		"authorized_keys": ssh.MarshalAuthorizedKey(sshPub),
	}
	return private, public
}

// TestKeyMaterial: a private key given as a secret in one form is found in
// every other form (PKCS#1, PKCS#8, SEC 1, DER, OpenSSH's format, a hex
// dump); its public half is not.
func TestKeyMaterial(t *testing.T) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, edk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for name, key := range map[string]crypto.Signer{"RSA": rk, "ECDSA": ek, "Ed25519": edk} {
		private, public := keyForms(t, key)
		for secretForm, secret := range private {
			if secretForm == "PKCS#8 DER hex dump" {
				continue // a form a step writes, not one a secret comes in
			}
			set := NewSet(New("key", secret))
			for form, data := range private {
				if form == secretForm {
					continue
				}
				found := false
				for _, m := range set.Find(append([]byte("# copy\n"), data...)) {
					found = found || m.Fragment == FragKey
				}
				if !found {
					t.Errorf("%s: secret as %s, %s: no %s match", name, secretForm, form, FragKey)
				}
			}
			for form, data := range public {
				if ms := set.Find(data); len(ms) > 0 {
					t.Errorf("%s: secret as %s, public %s matches: %v", name, secretForm, form, ms)
				}
			}
		}
	}
}
