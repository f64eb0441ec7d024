package pattern

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// patternsOf returns the raw (unencoded) patterns of one value, by kind.
func patternsOf(t *testing.T, value string) map[string][]string {
	t.Helper()
	set := NewSet(New("s", []byte(value)))
	out := map[string][]string{}
	for _, p := range set.m.pats {
		for _, o := range p.from {
			if o.enc == EncRaw {
				out[o.frag] = append(out[o.frag], string(p.b))
			}
		}
	}
	return out
}

// allPatterns returns every pattern of a set, any encoding.
func allPatterns(set *Set) []string {
	var out []string
	for _, p := range set.m.pats {
		out = append(out, string(p.b))
	}
	return out
}

func TestFragments(t *testing.T) {
	rk, ek := privateKeys(t)
	gcp, _ := json.Marshal(map[string]string{"type": "service_account", "client_email": "ci@x.iam.example", "private_key": rk})
	tests := []struct {
		name  string
		value string
		want  map[string][]string // kind -> fragments that must be patterns
		not   []string            // must not be patterns in any encoding
	}{
		{"pip.conf", pipConf,
			map[string][]string{FragUserinfo: {pipPass}, FragValue: {strings.TrimSpace(pipConf)},
				FragLine: {"index-url = https://alice:" + pipPass + "@pypi.corp.example/simple"}},
			[]string{"[global]", "timeout = 60", "60", "user = admin", "admin", "alice", "https://pypi.corp.example/simple",
				"pypi.corp.example", "trusted-host = pypi.corp.example"}},
		{".npmrc", npmrc,
			map[string][]string{FragAuthToken: {npmToken}},
			[]string{"registry=https://registry.npmjs.org/", "https://registry.npmjs.org/", "always-auth=true", "true"}},
		{".git-credentials", gitCreds,
			map[string][]string{FragUserinfo: {gitToken}, FragValue: {strings.TrimSpace(gitCreds)}},
			[]string{"bob", "github.com"}},
		{"git URL with a token as user", "https://x-access-token:" + gitToken + "@github.com/org/repo.git\nhttps://" + gitToken + "@github.com/org/other.git",
			map[string][]string{FragUserinfo: {gitToken}}, []string{"x-access-token"}},
		{"docker config.json", dockerConfig(),
			map[string][]string{FragUserinfo: {dockerPass}, FragKeyValue: {base64.StdEncoding.EncodeToString([]byte(dockerUser + ":" + dockerPass))}},
			[]string{"registry.example.com", dockerUser, `"credsStore":""`}},
		{".netrc", netrc,
			map[string][]string{FragKeyValue: {netrcPass}, FragLine: {"password " + netrcPass}},
			[]string{"machine api.example.com", "login carol", "carol", "api.example.com"}},
		{".netrc one line", "machine h.example login u password " + netrcPass,
			map[string][]string{FragKeyValue: {netrcPass}}, []string{"h.example"}},
		{"AWS credentials", awsCreds,
			map[string][]string{FragKeyValue: {awsSecret}, FragLine: {"aws_secret_access_key = " + awsSecret}},
			[]string{"[default]", "region = eu-west-1", "eu-west-1"}},
		{"RSA PKCS#8 key", rk,
			map[string][]string{FragPEM: append(pemLines(rk)[:len(pemLines(rk))-1], strings.Join(pemLines(rk), ""))},
			[]string{"-----BEGIN PRIVATE KEY-----", "-----END PRIVATE KEY-----"}},
		{"EC key", ek,
			map[string][]string{FragPEM: {pemLines(ek)[0], pemLines(ek)[1]}},
			[]string{"-----BEGIN EC PRIVATE KEY-----"}},
		{"service account JSON", string(gcp),
			map[string][]string{FragPEM: {pemLines(rk)[1]}, FragKeyValue: {rk[:len(rk)-1]}},
			[]string{"service_account", "ci@x.iam.example"}},
		{"yaml", "registry:\n  username: robot\n  password: \"y4ml-Pa55word\"\n  timeout: 30s\n",
			map[string][]string{FragKeyValue: {"y4ml-Pa55word"}}, []string{"robot", "username: robot", "timeout: 30s"}},
		{"env file", "export GITHUB_TOKEN=" + gitToken + "\nDEBUG=1\nAPI_URL=https://api.example.com/v1\n",
			map[string][]string{FragKeyValue: {gitToken}}, []string{"https://api.example.com/v1", "DEBUG=1"}},
		{"connection string", "Server=db.example;Database=app;User Id=sa;Password=C0nn-Str1ng-pw;",
			map[string][]string{FragKeyValue: {"C0nn-Str1ng-pw"}}, []string{"db.example"}},
		{"query token", "https://hooks.example.com/x?access_token=qT0k3n-abcdef123&verbose=1",
			map[string][]string{FragKeyValue: {"qT0k3n-abcdef123"}}, nil},
		{"authorization header", "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abcdefgh",
			map[string][]string{FragAuthToken: {"eyJhbGciOiJIUzI1NiJ9.e30.abcdefgh"}}, nil},
		{"git extraheader basic", "[http]\n\textraheader = AUTHORIZATION: basic " + base64.StdEncoding.EncodeToString([]byte("x:B4sic-auth-pw")),
			map[string][]string{FragUserinfo: {"B4sic-auth-pw"}}, nil},
		{"percent-encoded URL password", "https://u:p%40ss-w0rd%21x@h.example/",
			map[string][]string{FragUserinfo: {"p%40ss-w0rd%21x", "p@ss-w0rd!x"}}, nil},
		{"npm _password", "_password=" + base64.StdEncoding.EncodeToString([]byte("npm-Pa55word-1")) + "\nusername=me\n",
			map[string][]string{FragKeyValue: {"npm-Pa55word-1"}}, []string{"username=me"}},
		{"opaque lines", "first-recovery-code-1\nsecond-recovery-code-2\n",
			map[string][]string{FragLine: {"first-recovery-code-1", "second-recovery-code-2"}}, nil},
		{"whitespace trimmed", "  \t s3cr3t-value \n\n",
			map[string][]string{FragValue: {"s3cr3t-value"}}, []string{"  \t s3cr3t-value \n\n", "s3cr3t-value \n"}},
		{"short value kept raw", "h7#kQ2",
			map[string][]string{FragValue: {"h7#kQ2"}}, nil},
		{"author is not auth", "author = Jane Q. Public-Longname\n",
			nil, []string{"Jane Q. Public-Longname"}},
		{"not credential suffixes", "token_url = https://auth.example/token\npassword_file = /run/secrets/pw-file\nkeyserver = hkps://keys.example\n",
			nil, []string{"https://auth.example/token", "/run/secrets/pw-file", "hkps://keys.example"}},
		{"PEM key with escaped newlines", "PRIVATE_KEY=\"" + strings.ReplaceAll(ek, "\n", `\n`) + "\"",
			map[string][]string{FragPEM: {pemLines(ek)[0], pemLines(ek)[1]}}, nil},
		{"PEM key with escaped newlines, unquoted", "KEY=" + strings.ReplaceAll(ek, "\n", `\n`),
			map[string][]string{FragPEM: {pemLines(ek)[0], pemLines(ek)[1]}},
			[]string{"-----BEGIN EC PRIVATE KEY-----", "KEY=-----BEGIN EC PRIVATE KEY-----"}},
		{"kubeconfig client-key-data", "users:\n- name: ci\n  user:\n    client-key-data: " + base64.StdEncoding.EncodeToString([]byte(ek)) + "\n    token: kube-T0ken-abcdef\n",
			map[string][]string{FragPEM: {pemLines(ek)[0]}, FragKeyValue: {"kube-T0ken-abcdef", base64.StdEncoding.EncodeToString([]byte(ek))}}, []string{"ci"}},
		{"variable references", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\npassword = $DB_PASSWORD\nurl = https://u:{{ .Pass }}@h.example\n",
			nil, []string{"${NPM_TOKEN}", "$DB_PASSWORD", "{{ .Pass }}", "password = $DB_PASSWORD"}},
		{"rules and separators", "token-one-abc123\n----------------\n================\ntoken-two-def456\n",
			map[string][]string{FragLine: {"token-one-abc123", "token-two-def456"}}, []string{"----------------", "================"}},
		{"certificate is public", "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUY2VydGlmaWNhdGUtYm9keS1saW5l\n-----END CERTIFICATE-----\n",
			nil, []string{"MIIBszCCAVmgAwIBAgIUY2VydGlmaWNhdGUtYm9keS1saW5l"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := patternsOf(t, tt.value)
			for kind, frags := range tt.want {
				for _, f := range frags {
					if !slices.Contains(got[kind], f) {
						t.Errorf("no %s pattern %q; have %q", kind, f, got)
					}
				}
			}
			all := allPatterns(NewSet(New("s", []byte(tt.value))))
			for _, n := range tt.not {
				if slices.Contains(all, n) {
					t.Errorf("%q is a pattern, want none", n)
				}
			}
		})
	}
}

func TestLargeValues(t *testing.T) {
	big := mixedData(100<<10, 11, nil) // binary and text
	set := NewSet(New("big", big))
	if set.MaxLen() > MaxPattern || set.Len() > 50 {
		t.Errorf("100 KiB value: %d patterns, longest %d; want a few, at most %d bytes", set.Len(), set.MaxLen(), MaxPattern)
	}
	copyInLayer := append(append([]byte("prefix"), big...), "suffix"...)
	if ms := set.Find(copyInLayer); len(ms) < 3 {
		t.Errorf("copy of a large value: %d matches, want its three slices", len(ms))
	}
	if ms := set.Find(big[1000 : len(big)-1000]); len(ms) != 1 {
		t.Errorf("part of a large value: %d matches, want the middle slice", len(ms))
	}
}

func TestShortValues(t *testing.T) {
	set := NewSet(New("empty", nil), New("tiny", []byte(" abc\n")), New("ok", []byte("s3cr3t-value")))
	if got, want := set.Skipped(), []string{"empty", "tiny"}; !slices.Equal(got, want) {
		t.Errorf("Skipped() = %q, want %q", got, want)
	}
	if got, want := set.IDs(), []string{"ok"}; !slices.Equal(got, want) {
		t.Errorf("IDs() = %q, want %q", got, want)
	}
	for _, p := range allPatterns(set) {
		if len(p) < MinPattern {
			t.Errorf("pattern of %d bytes, want >= %d", len(p), MinPattern)
		}
	}
}

func TestPatternOrigins(t *testing.T) {
	// The same password in two files: one pattern, reported for both.
	set := NewSet(New("pip", []byte(pipConf)), New("pw", []byte(pipPass)))
	ms := set.Find([]byte("echo " + pipPass))
	var got []string
	for _, m := range ms {
		got = append(got, m.SecretID+"/"+m.Fragment+"/"+m.Encoding)
	}
	if want := []string{"pip/url-password/raw", "pw/value/raw"}; !slices.Equal(got, want) {
		t.Errorf("matches = %q, want %q", got, want)
	}
}

func TestParseKV(t *testing.T) {
	tests := []struct {
		in, key, val string
		ok           bool
	}{
		{"password = abc", "password", "abc", true},
		{"password=abc", "password", "abc", true},
		{"password: 'abc'", "password", "abc", true},
		{`"auth": "ZGVw\u003d",`, "auth", "ZGVw=", true},
		{"//registry.npmjs.org/:_authToken=npm_x", "//registry.npmjs.org/:_authToken", "npm_x", true},
		{"export TOKEN=\"abc\"", "TOKEN", "abc", true},
		{"user:pass", "", "", false},
		{"abc/def==", "", "", false},
		{"just some words", "", "", false},
		{`{"a":{"auth":"x="}}`, "", "", false},
	}
	for _, tt := range tests {
		k, v, ok := parseKV(tt.in)
		if k != tt.key || v != tt.val || ok != tt.ok {
			t.Errorf("parseKV(%q) = %q, %q, %v; want %q, %q, %v", tt.in, k, v, ok, tt.key, tt.val, tt.ok)
		}
	}
}

func TestCredentialKey(t *testing.T) {
	yes := []string{"password", "PASSWD", "aws_secret_access_key", "_authToken", "//r/:_authToken",
		"_auth", "auth", "identitytoken", "client_secret", "api-key", "ApiKey", "private_key", "passphrase", "Authorization"}
	no := []string{"timeout", "user", "username", "host", "index-url", "url", "email", "token_url", "password_file",
		"auth_type", "keyserver", "author", "region", "always-auth-file", "", "aws_access_key_id"}
	for _, k := range yes {
		if !credentialKey(k) {
			t.Errorf("credentialKey(%q) = false, want true", k)
		}
	}
	for _, k := range no {
		if credentialKey(k) {
			t.Errorf("credentialKey(%q) = true, want false", k)
		}
	}
}
