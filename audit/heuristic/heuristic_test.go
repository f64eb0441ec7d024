package heuristic

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"sort"
	"strings"
	"testing"
	"time"
)

// Look-alike values: random, credential-shaped, but in places that hold no
// credential. None of them may be reported.
const lookAlike = "Zq8vK2mN4pR7sT1wX5yB9cD3fG6hJ0kL"

func TestCredentialFile(t *testing.T) {
	yes := []string{"/root/.npmrc", "home/u/.npmrc", "/usr/local/etc/npmrc", "/root/.pip/pip.conf",
		"/etc/pip.conf", "/root/.config/pip/pip.ini", "/root/.pypirc", "/root/.netrc", "/home/u/_netrc",
		"/root/.git-credentials", "/root/.config/git/credentials", "/src/app/.git/config", "/root/.gitconfig",
		"/root/.docker/config.json", "/run/containers/0/auth.json", "/root/.aws/credentials", "/root/.aws/config",
		"/root/.kube/config", "/etc/kubeconfig", "/srv/prod.kubeconfig"}
	no := []string{"/etc/npmrc.d/x", "/usr/lib/node_modules/npm/npmrc", "/root/.pip/pip.conf.bak", "/etc/config.json",
		"/app/config", "/root/.aws/credentials.txt", "/root/.kube/cache", "/usr/share/doc/git/config"}
	for _, p := range yes {
		if !CredentialFile(p) {
			t.Errorf("CredentialFile(%q) = false, want true", p)
		}
	}
	for _, p := range no {
		if CredentialFile(p) {
			t.Errorf("CredentialFile(%q) = true, want false", p)
		}
	}
}

func TestScanCredentialFile(t *testing.T) {
	dockerAuth := `{"auths":{"ghcr.io":{"auth":"` + lookAlike + `"}}}`
	tests := []struct {
		name, path, content string
		rule                string // "" for none
		line                int
	}{
		{"npmrc token", "/root/.npmrc", "registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=" + lookAlike + "\n", RuleNpmrc, 2},
		{"npmrc _auth", "/root/.npmrc", "_auth = " + lookAlike + "\nalways-auth=true\n", RuleNpmrc, 1},
		{"npmrc env placeholder", "/root/.npmrc", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n", "", 0},
		{"npmrc no token", "/root/.npmrc", "registry=https://registry.npmjs.org/\nsave-exact=true\n# _authToken=" + lookAlike + "\n", "", 0},
		{"pip.conf password", "/root/.pip/pip.conf", "[global]\nindex-url = https://hugo.prudente:My$3cr3tP4$$@private.pip/playlist\ntimeout=60\n", RulePipConf, 2},
		{"pip.conf token user", "/etc/pip.conf", "[global]\nextra-index-url = https://ghp_" + lookAlike + "1234@pypi.example/simple\n", RulePipConf, 2},
		{"pip.conf plain", "/etc/pip.conf", "[global]\nindex-url = https://pypi.org/simple\nextra-index-url = https://user@pypi.example/" + lookAlike + "\n", "", 0},
		{"pypirc", "/root/.pypirc", "[pypi]\nusername = __token__\npassword = pypi-" + lookAlike + "\n", RulePypirc, 3},
		{"pypirc empty", "/root/.pypirc", "[pypi]\nusername = __token__\npassword =\n", "", 0},
		{"netrc", "/root/.netrc", "machine api.example.com login bot password " + lookAlike + "\n", RuleNetrc, 1},
		{"netrc no password", "/root/.netrc", "machine api.example.com login bot\n", "", 0},
		{"git-credentials", "/root/.git-credentials", "https://bot:" + lookAlike + "@github.com\n", RuleGitCredentials, 1},
		{"git-credentials empty", "/root/.git-credentials", "\n", "", 0},
		{"git config url", "/src/.git/config", "[remote \"origin\"]\n\turl = https://x-access-token:" + lookAlike + "@github.com/o/r.git\n", RuleGitConfig, 2},
		{"git config extraheader", "/src/.git/config", "[http \"https://github.com/\"]\n\textraheader = AUTHORIZATION: basic " + lookAlike + "\n", RuleGitConfig, 2},
		{"git config plain", "/src/.git/config", "[remote \"origin\"]\n\turl = https://github.com/o/" + lookAlike + ".git\n\turl = git@github.com:o/r.git\n", "", 0},
		{"docker config auth", "/root/.docker/config.json", dockerAuth, RuleDockerConfig, 1},
		{"docker config credsStore", "/root/.docker/config.json", `{"auths":{"ghcr.io":{}},"credsStore":"desktop"}`, "", 0},
		{"docker config empty auth", "/root/.docker/config.json", `{"auths":{"ghcr.io":{"auth":""}}}`, "", 0},
		{"aws credentials", "/root/.aws/credentials", "[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = " + lookAlike + "\n", RuleAWSCredentials, 3},
		{"aws config region", "/root/.aws/config", "[default]\nregion = eu-west-1\noutput = json\n", "", 0},
		{"kubeconfig token", "/root/.kube/config", "users:\n- name: ci\n  user:\n    token: " + lookAlike + "\n", RuleKubeconfig, 4},
		{"kubeconfig exec", "/root/.kube/config", "users:\n- name: ci\n  user:\n    tokenFile: /var/run/token\n    exec:\n      command: aws\n", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits := ScanCredentialFile(tt.path, []byte(tt.content))
			if tt.rule == "" {
				if len(hits) != 0 {
					t.Fatalf("hits = %+v, want none", hits)
				}
				return
			}
			if len(hits) != 1 || hits[0].Rule != tt.rule || hits[0].Line != tt.line {
				t.Fatalf("hits = %+v, want one %s on line %d", hits, tt.rule, tt.line)
			}
			if strings.Contains(hits[0].Detail, lookAlike) || strings.Contains(hits[0].Detail, "My$3cr3t") {
				t.Errorf("Detail %q shows the value", hits[0].Detail)
			}
		})
	}
}

func pemKeys(t *testing.T) map[string][]byte {
	t.Helper()
	rk, err := rsa.GenerateKey(rand.Reader, 1024)
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
	pk8, _ := x509.MarshalPKCS8PrivateKey(edk)
	ecDER, _ := x509.MarshalECPrivateKey(ek)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	cert, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &rk.PublicKey, rk)
	pub, _ := x509.MarshalPKIXPublicKey(&rk.PublicKey)
	return map[string][]byte{
		"rsa":   pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rk)}),
		"ec":    append(pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: []byte{6, 8, 42, 134, 72, 206, 61, 3, 1, 7}}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecDER})...),
		"pkcs8": pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk8}),
		"enc": pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,0123456789ABCDEF0123456789ABCDEF"},
			Bytes: x509.MarshalPKCS1PrivateKey(rk)}),
		"cert": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert}),
		"pub":  pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}),
	}
}

// detect writes data to a KeyDetector in pieces of n bytes.
func detect(data []byte, n int) []Hit {
	var d KeyDetector
	for len(data) > 0 {
		k := min(n, len(data))
		_, _ = d.Write(data[:k])
		data = data[k:]
	}
	_ = d.Close()
	return d.Hits()
}

func TestKeyDetector(t *testing.T) {
	keys := pemKeys(t)
	junk := bytes.Repeat([]byte("\x00\x7fELF-----BEGIN "), 300)
	sa, _ := json.Marshal(map[string]string{"type": "service_account", "private_key": string(keys["pkcs8"])})
	tests := []struct {
		name string
		data []byte
		want []string // labels
	}{
		{"rsa", keys["rsa"], []string{"RSA PRIVATE KEY"}},
		{"ec after parameters", keys["ec"], []string{"EC PRIVATE KEY"}},
		{"pkcs8 in junk", append(append(append([]byte{}, junk...), keys["pkcs8"]...), junk...), []string{"PRIVATE KEY"}},
		{"encrypted", keys["enc"], []string{"RSA PRIVATE KEY"}},
		{"json escaped", sa, []string{"PRIVATE KEY"}},
		{"two keys", append(append([]byte{}, keys["rsa"]...), keys["pkcs8"]...), []string{"RSA PRIVATE KEY", "PRIVATE KEY"}},
		{"certificate", keys["cert"], nil},
		{"public key", keys["pub"], nil},
		{"marker in a binary", []byte("\x00\x00-----BEGIN RSA PRIVATE KEY-----\x00%s\x00-----END RSA PRIVATE KEY-----\x00"), nil},
		{"marker then prose", []byte("-----BEGIN PRIVATE KEY-----\nput your key here, then the END line: it is a long line of words, 64 letters\n"), nil},
		{"truncated", keys["rsa"][:60], nil},
		{"self-test key in a shared library", append([]byte("\x7fELF\x02\x01\x01\x00"), keys["rsa"]...), nil},
	}
	for _, tt := range tests {
		for _, n := range []int{1, 7, 64, 511, 4096, 1 << 20} {
			hits := detect(tt.data, n)
			var got []string
			for _, h := range hits {
				if h.Rule != RulePrivateKey {
					t.Errorf("%s: rule %q", tt.name, h.Rule)
				}
				got = append(got, h.Detail)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("%s, writes of %d: hits %q, want %q", tt.name, n, got, tt.want)
			}
		}
	}
	// Offsets point at the BEGIN line.
	data := append(append([]byte{}, junk...), keys["rsa"]...)
	if hits := detect(data, 1000); len(hits) != 1 || hits[0].Offset != int64(len(junk)) {
		t.Errorf("offset: %+v, want %d", hits, len(junk))
	}
}

func TestScanText(t *testing.T) {
	tests := []struct {
		text string
		want []string // rules
	}{
		{"RUN |1 SECRET=My$3cr3tP4$$ /bin/sh -c /generate.sh ${SECRET} && pip install playlist", []string{RuleCredentialName}},
		{"|2 NPM_TOKEN=" + lookAlike + " VERSION=1.2 /bin/sh -c npm ci", []string{RuleCredentialName}},
		{"ARG GITHUB_TOKEN=" + lookAlike, []string{RuleCredentialName}},
		{"/bin/sh -c pip install --index-url https://ci:" + lookAlike + "@pypi.internal/simple app", []string{RuleURLCredentials}},
		{"/bin/sh -c docker login --password " + lookAlike + " ghcr.io", []string{RuleCredentialName}},
		{"/bin/sh -c git clone https://ghp_" + lookAlike + "abcd@github.com/o/r", []string{RuleTokenFormat, RuleURLCredentials}}, // sorted
		{"ENV AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", []string{RuleTokenFormat}},
		// Look-alikes.
		{"RUN |1 SECRET= /bin/sh -c ./use_secret.sh", nil},
		{"ARG SECRET", nil},
		{"/bin/sh -c #(nop)  ENV GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D", nil},
		{"/bin/sh -c echo $TOKEN > /dev/null && TOKEN=${NPM_TOKEN} npm ci", nil},
		{"RUN --mount=type=secret,id=npm,target=/root/.npmrc npm ci", nil},
		{"ENV PASSWORD_FILE=/run/secrets/db CHECKSUM=" + lookAlike, nil},
		{"/bin/sh -c curl -fsSL https://deb.nodesource.com/setup_20.x | bash", nil},
		{"/bin/sh -c git clone git@github.com:o/r.git", nil},
		{"/bin/sh -c echo $PW | docker login --password-stdin ghcr.io", nil},
		{"ENV PASSWORD_HASH=" + lookAlike + " TOKEN_ARN=arn:aws:secretsmanager:eu-west-1:1:secret:x", nil},
	}
	for _, tt := range tests {
		hits := ScanText(tt.text)
		var got []string
		for _, h := range hits {
			got = append(got, h.Rule)
			sort.Strings(got)
			if strings.Contains(h.Detail, lookAlike) || strings.Contains(h.Detail, "3cr3t") {
				t.Errorf("ScanText(%q): Detail %q shows the value", tt.text, h.Detail)
			}
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("ScanText(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestScanAssignment(t *testing.T) {
	tests := []struct {
		kind, name, value string
		want              int
	}{
		{"ENV", "NPM_TOKEN", lookAlike, 1},
		{"ENV", "DATABASE_URL", "postgres://app:" + lookAlike + "@db:5432/app", 1},
		{"LABEL", "ci.token", lookAlike, 1},
		{"ENV", "NPM_TOKEN", "", 0},
		{"ENV", "NPM_TOKEN", "${NPM_TOKEN}", 0},
		{"ENV", "GPG_KEY", lookAlike, 0},
		{"ENV", "PYTHON_SHA256", lookAlike, 0},
		{"ENV", "DB_PASSWORD_FILE", "/run/secrets/db", 0},
		{"ENV", "AUTH", "https://sso.example.com/", 0},
		{"LABEL", "org.opencontainers.image.revision", lookAlike, 0},
	}
	for _, tt := range tests {
		hits := ScanAssignment(tt.kind, tt.name, tt.value)
		if len(hits) != tt.want {
			t.Errorf("ScanAssignment(%s %s) = %+v, want %d hits", tt.kind, tt.name, hits, tt.want)
		}
		for _, h := range hits {
			if strings.Contains(h.Detail, lookAlike) {
				t.Errorf("Detail %q shows the value", h.Detail)
			}
		}
	}
}

func TestRedactCredentials(t *testing.T) {
	in := "RUN |2 SECRET=My$3cr3tP4$$ V=1 /bin/sh -c pip install -i https://u:" + lookAlike + "@h/simple && echo ghp_" + lookAlike + "abcd"
	out := RedactCredentials(in)
	for _, v := range []string{"My$3cr3tP4$$", lookAlike} {
		if strings.Contains(out, v) {
			t.Errorf("RedactCredentials left a value: %q", out)
		}
	}
	for _, keep := range []string{"SECRET=", "V=1", "https://u:", "@h/simple"} {
		if !strings.Contains(out, keep) {
			t.Errorf("RedactCredentials(%q) = %q, lost %q", in, out, keep)
		}
	}
	if plain := "/bin/sh -c apt-get update"; RedactCredentials(plain) != plain {
		t.Errorf("RedactCredentials changed clean text: %q", RedactCredentials(plain))
	}
}
