package corpus

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// kind is one secret: secret is what --secret holds, payload what the
// writers write (the whole value, or one credential atom of it: the
// password of a .netrc, the form a build step extracts and writes).
type kind struct {
	name    string
	secret  []byte
	payload []byte
	key     string // "pem" for a PEM private key openssl reads, else ""
}

// randHex is a fresh canary part: every run has values of its own, so no
// form can pass by matching a value remembered from an earlier run.
func randHex(t *testing.T, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// password is a canary with the characters every dialect escapes
// differently: quotes, backslash, markup, percent, plus, space, colon, at,
// hash, dollar and non-ASCII (Latin-1 and beyond).
func password(t *testing.T) string {
	return `Pw-` + randHex(t, 6) + `"'\<>&%+ =:@#$ü€-` + randHex(t, 4)
}

// keys makes the private keys with the tools that make them in real
// builds (openssl, ssh-keygen, gpg): name -> PEM or armored text.
func keys(t *testing.T, dir string) map[string][]byte {
	out := map[string][]byte{}
	gen := func(name, script string) {
		b, err := sh(dir, script, nil)
		if err != nil {
			t.Fatalf("generating the %s key: %v", name, err)
		}
		out[name] = b
	}
	gen("rsa", `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 2>/dev/null`)
	gen("ec", `openssl ecparam -name prime256v1 -genkey -noout`)
	gen("ed25519", `ssh-keygen -q -t ed25519 -N '' -C ci@example.internal -f ed25519 && cat ed25519`)
	// The cluster CA a kubeconfig carries: public (every pod of the
	// cluster has it), its key thrown away.
	gen("cluster-ca", `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout /dev/null -subj /CN=kubernetes -days 2 -out ca.crt 2>/dev/null && cat ca.crt`)
	gen("openpgp", `export GNUPGHOME=$PWD/gnupg; mkdir -m 700 -p $GNUPGHOME &&
gpg -q --batch --pinentry-mode loopback --passphrase '' --quick-gen-key 'CI Bot <ci@example.internal>' ed25519 sign never 2>/dev/null &&
gpg -q --batch --pinentry-mode loopback --passphrase '' --export-secret-keys --armor`)
	return out
}

// kinds generates every secret kind of the matrix in dir.
func kinds(t *testing.T, dir string) []kind {
	tok := "hush_" + randHex(t, 18)
	pw := password(t)
	urlPw := "Url-" + randHex(t, 8) + "~!"
	netrcPw := "nrc" + randHex(t, 10)
	pgPw := "pg" + randHex(t, 10) + "#x"
	dockerPw := "dk" + randHex(t, 12)
	kubeTok := "eyJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString([]byte(randHex(t, 24))) + "." + randHex(t, 20)

	netrc := "machine git.example.internal\n  login ci-bot\n  password " + netrcPw + "\n"
	pgpass := "db.example.internal:5432:app:appuser:" + pgPw + "\n"
	url := "https://ci-bot:" + urlPw + "@git.example.internal/org/repo.git"
	docker := `{
	"auths": {
		"registry.example.internal": {
			"auth": "` + base64.StdEncoding.EncodeToString([]byte("ci-bot:"+dockerPw)) + `"
		}
	}
}
`
	k := keys(t, dir)
	kube := `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: ` + base64.StdEncoding.EncodeToString(k["cluster-ca"]) + `
    server: https://k8s.example.internal:6443
  name: prod
contexts:
- context:
    cluster: prod
    user: ci
  name: prod
current-context: prod
users:
- name: ci
  user:
    token: ` + kubeTok + `
    client-key-data: ` + base64.StdEncoding.EncodeToString(k["ec"]) + "\n"
	sa, err := json.MarshalIndent(map[string]string{
		"type":                        "service_account",
		"project_id":                  "hush-ci-example",
		"private_key_id":              randHex(t, 20),
		"private_key":                 string(k["rsa"]),
		"client_email":                "ci@hush-ci-example.iam.gserviceaccount.com",
		"client_id":                   "1" + randHex(t, 10)[:20],
		"auth_uri":                    "https://accounts.google.com/o/oauth2/auth",
		"token_uri":                   "https://oauth2.googleapis.com/token",
		"auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
	}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	whole := func(name, v, key string) kind {
		return kind{name: name, secret: []byte(v), payload: []byte(v), key: key}
	}
	atom := func(name, file, v string) kind { return kind{name: name, secret: []byte(file), payload: []byte(v)} }
	return []kind{
		whole("token", tok, ""),
		whole("password", pw, ""),
		whole("url", url, ""),
		atom("url>password", url, urlPw),
		whole("netrc", netrc, ""),
		atom("netrc>password", netrc, netrcPw),
		whole("pgpass", pgpass, ""),
		atom("pgpass>password", pgpass, pgPw),
		whole("docker-config", docker, ""),
		atom("docker-config>password", docker, dockerPw),
		whole("kubeconfig", kube, ""),
		atom("kubeconfig>token", kube, kubeTok),
		whole("rsa-key", string(k["rsa"]), "pem"),
		whole("ec-key", string(k["ec"]), "pem"),
		whole("ed25519-key", string(k["ed25519"]), ""),
		whole("openpgp-key", string(k["openpgp"]), ""),
		whole("service-account", string(sa)+"\n", ""),
	}
}

// payloadName makes a kind's name a file name ("netrc>password" ->
// "netrc.password").
func payloadName(k string) string { return strings.ReplaceAll(k, ">", ".") }

// writePayloads puts every kind's payload in dir/in, one file each.
func writePayloads(t *testing.T, dir string, ks []kind) string {
	in := filepath.Join(dir, "in")
	if err := os.MkdirAll(in, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, k := range ks {
		if err := os.WriteFile(filepath.Join(in, payloadName(k.name)), k.payload, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return in
}
