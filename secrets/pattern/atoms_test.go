package pattern

import (
	"os"
	"strings"
	"testing"
)

// TestAtoms: secrets written by real tools (gen.sh in testdata/atoms)
// yield their credential and nothing public. The public files beside them
// (a key's public export, Debian's keyring, the template a secret file
// was made from) must not match: a false refusal is as serious as a miss.
func TestAtoms(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile("testdata/atoms/out/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name   string
		secret []byte
		leaks  [][]byte // each must match
		clean  [][]byte // none may match
	}{
		{"OpenPGP RSA secret key", read("rsa3072-secret.asc"),
			[][]byte{read("rsa3072-secret.asc"), read("rsa3072-secret.gpg")},
			[][]byte{read("rsa3072-public.asc"), read("rsa3072-public.gpg"), read("debian-keyring.gpg")}},
		{"OpenPGP Ed25519 secret key", read("ed25519-secret.asc"),
			[][]byte{read("ed25519-secret.asc"), read("ed25519-secret.gpg")},
			[][]byte{read("ed25519-public.asc"), read("ed25519-public.gpg"), read("debian-keyring.gpg")}},
		{".pgpass", read("pgpass"),
			[][]byte{[]byte("PGPASSWORD=Pg-p4ss:word-canary psql")},
			[][]byte{[]byte("host=db.internal.example.com port=5432 dbname=app user=app_user")}},
		{"htpasswd", read("htpasswd"),
			[][]byte{[]byte(strings.TrimSpace(string(read("htpasswd")))[len("deploy:"):])},
			[][]byte{[]byte("AuthUserFile /etc/nginx/htpasswd\nrequire user deploy\n")}},
		{"cookie jar", read("cookies.txt"),
			[][]byte{[]byte("Cookie: session=c00kie-s3ssion-canary-5f2e9a")},
			[][]byte{[]byte("Set-Cookie: theme=dark; Domain=.shop.example.com; Path=/; Secure"), []byte("# Netscape HTTP Cookie File\n# http://curl.haxx.se/rfc/cookie_spec.html\n# This is a generated file!  Do not edit.\n")}},
		{"file made from a public template", read("secret-from-template.conf"),
			[][]byte{[]byte("export SMTP_PASSWORD=Sm7p-canary-pass-0b")},
			[][]byte{read("template.conf")}},
		{"large file made from a public bundle", read("secret-bundle.pem"),
			[][]byte{[]byte("client_password = Cl13nt-canary-pw-4d")},
			[][]byte{read("ca-bundle.crt")}},
		{"compact JSON: a docker config whose helpers and registry are public", read("docker-config-node.json"),
			[][]byte{[]byte(`"auth": "ZGVwbG95OkNmZy1jYW5hcnktYXV0aC05Mw=="`), []byte("password: Cfg-canary-auth-93")},
			[][]byte{read("docker-public-node.json"), read("docker-public-python.json"), read("docker-public-jq.json")}},
		{"public DSN beside a password", []byte("SENTRY_DSN=https://4f1c2d3e5a6b7c8d9e0f1a2b3c4d5e6f@o450123.ingest.sentry.io/5001234\nDATABASE_PASSWORD=Db-canary-pw-77\nDB_DSN=postgres://app:Dsn-canary-pw-42@db:5432/app\n"),
			[][]byte{[]byte("PGPASSWORD=Db-canary-pw-77"), []byte("password=Dsn-canary-pw-42")},
			[][]byte{[]byte("Sentry.init({ dsn: \"https://4f1c2d3e5a6b7c8d9e0f1a2b3c4d5e6f@o450123.ingest.sentry.io/5001234\" });")}},
		{"paths, domains, numbers beside a password",
			[]byte("[app]\nprivate_key = /etc/ssl/private/app.key\ncookie_secret_domain = .example.com\nauth_token = 3600\nsecret_host = db.example.com\napi_key = ak-7Qx2-real-9vLm\n"),
			[][]byte{[]byte("curl -H 'X-Api-Key: ak-7Qx2-real-9vLm'")},
			[][]byte{[]byte("ssl_certificate_key /etc/ssl/private/app.key;\nserver_name .example.com db.example.com;\nkeepalive 3600;\n")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := NewSet(New("s", tt.secret))
			for i, l := range tt.leaks {
				if len(set.Find(l)) == 0 {
					t.Errorf("leak %d: not found", i)
				}
			}
			for i, c := range tt.clean {
				if ms := set.Find(c); len(ms) > 0 {
					t.Errorf("clean %d: refused: %v", i, ms)
				}
			}
		})
	}
}
