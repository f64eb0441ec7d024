package secrets

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"sync"
	"testing"
)

// Fixtures: credential files as users keep them. Every value here is made
// up; the passwords are long enough to be fragments.
const (
	pipConf = "[global]\nindex-url = https://alice:P4ssw0rd-pip-7319@pypi.corp.example/simple\ntimeout = 60\nuser = admin\ntrusted-host = pypi.corp.example\n"
	pipPass = "P4ssw0rd-pip-7319"

	npmrc    = "registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=npm_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8\nalways-auth=true\n"
	npmToken = "npm_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"

	gitCreds = "https://bob:ghp_16C7e42F292c6912E7710c838347Ae178B4a@github.com\n"
	gitToken = "ghp_16C7e42F292c6912E7710c838347Ae178B4a"

	netrc     = "machine api.example.com\n  login carol\n  password n3trc-S3cret-pw\n"
	netrcPass = "n3trc-S3cret-pw"

	awsCreds  = "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\nregion = eu-west-1\n"
	awsKeyID  = "AKIAIOSFODNN7EXAMPLE"
	awsSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

	dockerUser = "deploy"
	dockerPass = "Dck3r-Pa55-wOrd!"

	shortToken = "tK9#vQ2x"
)

// dockerConfig is a docker config.json whose auth is base64("user:password").
func dockerConfig() string {
	auth := base64.StdEncoding.EncodeToString([]byte(dockerUser + ":" + dockerPass))
	return `{"auths":{"registry.example.com":{"auth":"` + auth + `"}},"credsStore":""}`
}

var (
	keyOnce sync.Once
	rsaPEM  string
	ecPEM   string
)

// privateKeys generates an RSA-2048 and an ECDSA P-256 key once per test
// binary, PEM-encoded as PKCS#8 and SEC 1.
func privateKeys(t testing.TB) (rsaKey, ecKey string) {
	t.Helper()
	keyOnce.Do(func() {
		rk, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(rk)
		if err != nil {
			panic(err)
		}
		rsaPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
		ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		der, err = x509.MarshalECPrivateKey(ek)
		if err != nil {
			panic(err)
		}
		ecPEM = string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
	})
	return rsaPEM, ecPEM
}

// pemLines returns the base64 body lines of a PEM block.
func pemLines(p string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(p), "\n") {
		if !strings.HasPrefix(l, "-----") {
			out = append(out, l)
		}
	}
	return out
}

// fixtureSecrets is the benchmark's and the scan tests' set: eight secrets
// of different shapes.
func fixtureSecrets(t testing.TB) []Secret {
	rk, ek := privateKeys(t)
	return []Secret{
		New("pip", []byte(pipConf)),
		New("npm", []byte(npmrc)),
		New("git", []byte(gitCreds)),
		New("docker", []byte(dockerConfig())),
		New("netrc", []byte(netrc)),
		New("aws", []byte(awsCreds)),
		New("rsa", []byte(rk)),
		New("ec", []byte(ek)),
		New("short", []byte(shortToken)),
	}
}
