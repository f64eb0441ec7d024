package heuristic

import (
	"regexp"
	"sort"
	"strings"

	"github.com/hushbuild/hush/secrets"
)

var heurPlaceholderWords = map[string]bool{
	"none": true, "null": true, "nil": true, "undefined": true, "changeme": true, "change_me": true,
	"changeit": true, "password": true, "secret": true, "token": true, "example": true, "redacted": true,
	"dummy": true, "true": true, "false": true, "yes": true, "no": true, "empty": true, "unset": true,
}

// placeholder reports whether a value is not a credential: empty, a
// variable reference (${NPM_TOKEN}, $TOKEN), a template, <your-token>, a
// run of one character (xxxx, ****), a word people put in examples.
func heurPlaceholder(v string) bool {
	v = strings.TrimSpace(v)
	v = strings.Trim(v, `"'`)
	v = strings.TrimSpace(v)
	if len(v) < 3 || v[0] == '$' || v[0] == '%' || strings.Contains(v, "{{") ||
		v[0] == '<' && v[len(v)-1] == '>' || heurPlaceholderWords[strings.ToLower(v)] {
		return true
	}
	if strings.Count(v, v[:1]) == len(v) {
		return true
	}
	return false
}

// pathLike: a value that names a file (/run/secrets/x), not a credential.
func heurPathLike(v string) bool {
	v = strings.Trim(strings.TrimSpace(v), `"'`)
	return (strings.HasPrefix(v, "/") || strings.HasPrefix(v, "./") || strings.HasPrefix(v, "~/")) && !strings.ContainsAny(v, " \t")
}

// plainURL: a URL with no credentials in it, such as AUTH=https://sso.example.
func heurPlainURL(v string) bool {
	v = strings.Trim(strings.TrimSpace(v), `"'`)
	return strings.Contains(v, "://") && !strings.ContainsAny(v, " \t") && len(heurURLSpans(v)) == 0
}

// span is a credential's position in a string, with the rule and a
// value-free description.
type heurSpan struct {
	start, end   int
	rule, detail string
}

var heurURLUserinfo = regexp.MustCompile(`(?i)\b[a-z][a-z0-9+.\-]*://([^\s/@:'"<>\\]*)(?::([^\s/@'"<>\\]*))?@([^\s/@'"<>:\\]+)`)

// tokenLike: a user name that is really a token (https://ghp_xxx@github.com).
func heurTokenLike(s string) bool {
	for _, p := range []string{"ghp_", "gho_", "ghs_", "ghu_", "ghr_", "github_pat_", "glpat-", "npm_", "xoxb-", "xoxp-", "pypi-"} {
		if strings.HasPrefix(s, p) && len(s) > len(p)+8 {
			return true
		}
	}
	if len(s) < 24 {
		return false
	}
	var letter, digit bool
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digit = true
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			letter = true
		case r == '_' || r == '-' || r == '.':
		default:
			return false
		}
	}
	return letter && digit
}

// urlCredentialSpans finds URLs whose user info holds a password (or a
// token as the user name) and returns the spans of those secrets.
func heurURLSpans(s string) []heurSpan {
	var out []heurSpan
	for _, m := range heurURLUserinfo.FindAllStringSubmatchIndex(s, -1) {
		host := s[m[6]:m[7]]
		switch {
		case m[4] >= 0 && !heurPlaceholder(s[m[4]:m[5]]):
			out = append(out, heurSpan{m[4], m[5], RuleURLCredentials, host})
		case m[4] < 0 && heurTokenLike(s[m[2]:m[3]]):
			out = append(out, heurSpan{m[2], m[3], RuleURLCredentials, host})
		}
	}
	return out
}

// tokenFormats are well-known token shapes, matched anywhere in metadata.
var heurTokenFormats = []struct {
	name string
	re   *regexp.Regexp
}{
	{"GitHub token", regexp.MustCompile(`\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{60,})\b`)},
	{"GitLab token", regexp.MustCompile(`\bglpat-[A-Za-z0-9_\-]{20,}\b`)},
	{"npm token", regexp.MustCompile(`\bnpm_[A-Za-z0-9]{36}\b`)},
	{"AWS access key id", regexp.MustCompile(`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`)},
	{"Slack token", regexp.MustCompile(`\bxox[abprs]-[0-9A-Za-z\-]{10,}\b`)},
	{"PyPI token", regexp.MustCompile(`\bpypi-[A-Za-z0-9_\-]{50,}\b`)},
}

// assignment: NAME=VALUE in free text (`|2 NPM_TOKEN=x FOO=y /bin/sh -c`,
// `ARG SECRET=x`, `ENV A=b`, `RUN TOKEN=x make`), the value quoted or not.
var heurAssignment = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_.\-]*)=("[^"]*"|'[^']*'|[^\s;&|"'` + "`" + `]+)`)

// flagValue: --password VALUE, --token=VALUE, -p (not: too ambiguous).
var heurFlagValue = regexp.MustCompile(`--([A-Za-z][A-Za-z0-9\-]*)(?:=|\s+)("[^"]*"|'[^']*'|[^\s;&|"'-][^\s;&|"']*)`)

// textSpans finds every credential in free text: URL user info, credential
// assignments and flags, well-known token shapes. Spans may overlap.
func heurTextSpans(s string) []heurSpan {
	out := heurURLSpans(s)
	for _, m := range heurAssignment.FindAllStringSubmatchIndex(s, -1) {
		name, val := s[m[2]:m[3]], s[m[4]:m[5]]
		if m[2] > 0 && (s[m[2]-1] == '-' || s[m[2]-1] == '$') { // --flag=..., ${X}=...
			continue
		}
		if secrets.CredentialName(name) && !heurPlaceholder(val) && !heurPathLike(val) && !heurPlainURL(val) {
			out = append(out, heurSpan{m[4], m[5], RuleCredentialName, name})
		}
	}
	for _, m := range heurFlagValue.FindAllStringSubmatchIndex(s, -1) {
		name, val := s[m[2]:m[3]], s[m[4]:m[5]]
		if secrets.CredentialName(name) && !heurPlaceholder(val) && !heurPathLike(val) && !heurPlainURL(val) {
			out = append(out, heurSpan{m[4], m[5], RuleCredentialName, "--" + name})
		}
	}
	for _, tf := range heurTokenFormats {
		for _, m := range tf.re.FindAllStringIndex(s, -1) {
			out = append(out, heurSpan{m[0], m[1], RuleTokenFormat, tf.name})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].start < out[j].start })
	return out
}

// ScanText checks free text from an image's metadata (a history entry's
// created_by, a comment, Cmd) for credentials: ARG and ENV values with
// credential names (docker prints build args as `|N NAME=VALUE ...`), URLs
// with passwords, flags like --password, well-known token shapes.
func ScanText(s string) []Hit {
	var hits []Hit
	seen := map[string]bool{}
	for _, sp := range heurTextSpans(s) {
		d := sp.detail
		switch sp.rule {
		case RuleCredentialName:
			if !strings.HasPrefix(d, "--") {
				d = "variable " + d
			} else {
				d = "flag " + d
			}
		case RuleURLCredentials:
			d = "URL with credentials for " + d
		}
		if k := sp.rule + "\x00" + d; !seen[k] {
			seen[k] = true
			hits = append(hits, Hit{Rule: sp.rule, Detail: d})
		}
	}
	return hits
}

// ScanAssignment checks one NAME=VALUE pair of an image's metadata (an ENV
// entry, a LABEL, an annotation; kind names it in the Detail, e.g. "ENV").
// A credential-like name with a real value is a hit, and so is a URL with
// credentials or a well-known token in any value.
func ScanAssignment(kind, name, value string) []Hit {
	label := strings.TrimSpace(kind + " " + name)
	var hits []Hit
	// A URL (DATABASE_URL) is judged by its userinfo, below.
	if secrets.CredentialName(name) && !heurPlaceholder(value) && !heurPathLike(value) && !heurPlainURL(value) &&
		!strings.Contains(value, "://") {
		hits = append(hits, Hit{Rule: RuleCredentialName, Detail: label})
	}
	for _, h := range ScanText(value) {
		if h.Rule == RuleCredentialName && len(hits) > 0 {
			continue
		}
		h.Detail = label + ": " + h.Detail
		hits = append(hits, h)
	}
	return hits
}

// RedactCredentials masks, in free text meant for a report, every
// credential ScanText would find: URL passwords, credential-named
// assignments and flags, well-known tokens. Known values are the Set's.
func RedactCredentials(s string) string {
	spans := heurTextSpans(s)
	if len(spans) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		if sp.end <= last {
			continue
		}
		if sp.start < last {
			sp.start = last
		}
		b.WriteString(s[last:sp.start])
		b.WriteString("****")
		last = sp.end
	}
	b.WriteString(s[last:])
	return b.String()
}
