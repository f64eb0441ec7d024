package heuristic

import (
	"bufio"
	"bytes"
	"encoding/json"
	"path"
	"sort"
	"strings"
)

// Heuristics find credentials nobody told hush about: files that tools
// read credentials from (.npmrc, pip.conf, .netrc, .docker/config.json ...),
// private keys in any file, and credential-looking names and values in an
// image's metadata. They complement the known-value Set: an audit with no
// --secret still catches the classic leaks of the seeds (a pip.conf with a
// password in its index URL, a build ARG named SECRET).
//
// A Hit says which rule fired and where (a line, a byte offset, a variable's
// name); it never carries the value, so it can be printed as is.

// Hit is one heuristic finding. It never holds the credential.
type Hit struct {
	// Rule is the rule's id, one of HeuristicRules.
	Rule string
	// Line is the 1-based line in a file, 0 when not known.
	Line int
	// Offset is the byte offset in a file of a private key; 0 otherwise.
	Offset int64
	// Detail names what matched without its value: the key ("_authToken"),
	// the variable ("ARG NPM_TOKEN"), the registry, the key type.
	Detail string
}

// Rule describes a heuristic rule, for reports and SARIF rule lists.
type Rule struct {
	ID          string
	Name        string // CamelCase, for SARIF
	Description string
}

// Heuristic rule ids.
const (
	RuleNpmrc          = "npmrc-auth"
	RulePipConf        = "pip-url-credentials"
	RulePypirc         = "pypirc-password"
	RuleNetrc          = "netrc-password"
	RuleGitCredentials = "git-credentials"
	RuleGitConfig      = "git-config-credentials"
	RulePrivateKey     = "private-key"
	RuleDockerConfig   = "docker-config-auth"
	RuleAWSCredentials = "aws-credentials"
	RuleKubeconfig     = "kubeconfig-credentials"
	RuleCredentialName = "credential-name"
	RuleURLCredentials = "url-credentials"
	RuleTokenFormat    = "token-format"
)

var heurRules = []Rule{
	{RuleNpmrc, "NpmrcAuth", "An .npmrc holds an _authToken, _auth or _password"},
	{RulePipConf, "PipUrlCredentials", "A pip.conf or pip.ini has an index URL with a password"},
	{RulePypirc, "PypircPassword", "A .pypirc holds a password"},
	{RuleNetrc, "NetrcPassword", "A .netrc holds a password"},
	{RuleGitCredentials, "GitCredentials", "A .git-credentials file holds a URL with a password or token"},
	{RuleGitConfig, "GitConfigCredentials", "A git config has a remote URL with a password or token, or an Authorization extraheader"},
	{RulePrivateKey, "PrivateKey", "A file holds a private key (PEM or OpenSSH)"},
	{RuleDockerConfig, "DockerConfigAuth", "A docker config.json or containers auth.json holds registry credentials"},
	{RuleAWSCredentials, "AwsCredentials", "An AWS credentials or config file holds a secret access key or session token"},
	{RuleKubeconfig, "KubeconfigCredentials", "A kubeconfig holds a token, password or client key"},
	{RuleCredentialName, "CredentialName", "An ARG, ENV, LABEL or annotation with a credential-like name has a value"},
	{RuleURLCredentials, "UrlCredentials", "A URL with a password or token in its user info"},
	{RuleTokenFormat, "TokenFormat", "A string shaped like a well-known token (GitHub, GitLab, npm, AWS, Slack)"},
}

// HeuristicRules lists every heuristic rule.
func HeuristicRules() []Rule { return append([]Rule(nil), heurRules...) }

// fileKind is the kind of credential file a path names, or kindNone.
type heurFileKind int

const (
	hkNone heurFileKind = iota
	hkNpmrc
	hkPipConf
	hkPypirc
	hkNetrc
	hkGitCredentials
	hkGitConfig
	hkDockerConfig
	hkAWS
	hkKubeconfig
)

func heurFileKindOf(p string) heurFileKind {
	p = path.Clean("/" + strings.TrimPrefix(p, "./"))
	base := path.Base(p)
	dir := path.Dir(p)
	parent := path.Base(dir)
	switch {
	case base == ".npmrc", base == "npmrc" && parent == "etc":
		return hkNpmrc
	case base == "pip.conf", base == "pip.ini":
		return hkPipConf
	case base == ".pypirc":
		return hkPypirc
	case base == ".netrc", base == "_netrc":
		return hkNetrc
	case base == ".git-credentials", base == "credentials" && strings.HasSuffix(dir, "/.config/git"):
		return hkGitCredentials
	case base == "config" && (parent == ".git" || strings.HasSuffix(dir, "/.config/git")), base == ".gitconfig", base == "gitconfig" && parent == "etc":
		return hkGitConfig
	case base == "config.json" && parent == ".docker", base == ".dockercfg",
		base == "auth.json" && (parent == "containers" || strings.Contains(dir, "/containers/")):
		return hkDockerConfig
	case parent == ".aws" && (base == "credentials" || base == "config"):
		return hkAWS
	case base == "config" && parent == ".kube", base == "kubeconfig", strings.HasSuffix(base, ".kubeconfig"):
		return hkKubeconfig
	}
	return hkNone
}

// CredentialFile reports whether path names a file that tools read
// credentials from, whose content ScanCredentialFile knows how to check.
// Callers read only those files' content.
func CredentialFile(path string) bool { return heurFileKindOf(path) != hkNone }

// MaxCredentialFile is how much of a credential file ScanCredentialFile
// needs: they are small, and a larger one is not read past this.
const MaxCredentialFile = 1 << 20

// ScanCredentialFile checks the content of a credential file (one
// CredentialFile accepts) for a credential that is really there: a token, a
// password, not an empty field or a ${VAR} placeholder. Private keys are
// KeyDetector's, for every file.
func ScanCredentialFile(path string, content []byte) []Hit {
	switch heurFileKindOf(path) {
	case hkNpmrc:
		return heurNpmrc(content)
	case hkPipConf:
		return heurURLLines(content, RulePipConf)
	case hkPypirc:
		return heurIniKeys(content, RulePypirc, map[string]bool{"password": true}, true)
	case hkNetrc:
		return heurNetrc(content)
	case hkGitCredentials:
		return heurURLLines(content, RuleGitCredentials)
	case hkGitConfig:
		return heurGitConfig(content)
	case hkDockerConfig:
		return heurDockerConfig(content)
	case hkAWS:
		return heurIniKeys(content, RuleAWSCredentials, map[string]bool{"aws_secret_access_key": true, "aws_session_token": true}, false)
	case hkKubeconfig:
		return heurKubeconfig(content)
	}
	return nil
}

// eachLine calls fn with every line (1-based number, trimmed), skipping
// blank lines and comments starting with one of comment.
func heurEachLine(content []byte, comment string, fn func(n int, line string)) {
	sc := bufio.NewScanner(bytes.NewReader(content))
	sc.Buffer(make([]byte, 0, 64*1024), MaxCredentialFile)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.ContainsRune(comment, rune(line[0])) {
			continue
		}
		fn(n, line)
	}
}

// scanNpmrc: `_authToken=`, `//registry/:_authToken=`, `_auth=`,
// `_password=` with a literal value.
func heurNpmrc(content []byte) []Hit {
	var hits []Hit
	heurEachLine(content, "#;", func(n int, line string) {
		key, val, ok := strings.Cut(line, "=")
		if !ok {
			return
		}
		key = strings.TrimSpace(key)
		if i := strings.LastIndex(key, ":"); i >= 0 {
			key = key[i+1:]
		}
		switch key {
		case "_authToken", "_auth", "_password":
			if !heurPlaceholder(val) {
				hits = append(hits, Hit{Rule: RuleNpmrc, Line: n, Detail: key})
			}
		}
	})
	return hits
}

// scanURLLines flags each line holding a URL whose user info carries a
// password or a token (pip.conf index URLs, .git-credentials).
func heurURLLines(content []byte, rule string) []Hit {
	var hits []Hit
	heurEachLine(content, "#;", func(n int, line string) {
		for _, sp := range heurURLSpans(line) {
			hits = append(hits, Hit{Rule: rule, Line: n, Detail: "URL with credentials for " + sp.detail})
		}
	})
	return hits
}

// scanIniKeys flags `key = value` lines whose key is in keys. With urls, a
// URL with credentials on any line counts too.
func heurIniKeys(content []byte, rule string, keys map[string]bool, urls bool) []Hit {
	var hits []Hit
	heurEachLine(content, "#;", func(n int, line string) {
		if key, val, ok := strings.Cut(line, "="); ok && keys[strings.ToLower(strings.TrimSpace(key))] && !heurPlaceholder(val) {
			hits = append(hits, Hit{Rule: rule, Line: n, Detail: strings.ToLower(strings.TrimSpace(key))})
			return
		}
		if key, val, ok := strings.Cut(line, ":"); ok && keys[strings.ToLower(strings.TrimSpace(key))] && !heurPlaceholder(val) {
			hits = append(hits, Hit{Rule: rule, Line: n, Detail: strings.ToLower(strings.TrimSpace(key))})
			return
		}
		if urls {
			for _, sp := range heurURLSpans(line) {
				hits = append(hits, Hit{Rule: rule, Line: n, Detail: "URL with credentials for " + sp.detail})
			}
		}
	})
	return hits
}

// scanNetrc: the token after `password` (netrc is whitespace-separated
// tokens; a line may hold a whole machine entry).
func heurNetrc(content []byte) []Hit {
	var hits []Hit
	heurEachLine(content, "#", func(n int, line string) {
		f := strings.Fields(line)
		for i := 0; i+1 < len(f); i++ {
			if f[i] == "password" && !heurPlaceholder(f[i+1]) {
				hits = append(hits, Hit{Rule: RuleNetrc, Line: n, Detail: "password"})
				i++
			}
		}
	})
	return hits
}

// scanGitConfig: remote URLs with credentials, and http.extraheader
// Authorization lines (actions/checkout leaves one in .git/config).
func heurGitConfig(content []byte) []Hit {
	var hits []Hit
	heurEachLine(content, "#;", func(n int, line string) {
		for _, sp := range heurURLSpans(line) {
			hits = append(hits, Hit{Rule: RuleGitConfig, Line: n, Detail: "URL with credentials for " + sp.detail})
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(key), "extraheader") {
			return
		}
		h, v, ok := strings.Cut(strings.TrimSpace(val), ":")
		if ok && strings.EqualFold(strings.TrimSpace(strings.Trim(h, `"`)), "authorization") {
			// "basic XXXX" / "bearer XXXX": the scheme alone is not a credential.
			if f := strings.Fields(strings.Trim(v, `" `)); len(f) >= 2 && !heurPlaceholder(f[len(f)-1]) {
				hits = append(hits, Hit{Rule: RuleGitConfig, Line: n, Detail: "extraheader Authorization"})
			}
		}
	})
	return hits
}

// scanDockerConfig: docker's config.json / containers' auth.json ("auths":
// {host: {"auth": ...}}) and the legacy .dockercfg ({host: {"auth": ...}}).
// A credsStore or credHelpers entry alone holds no credential.
func heurDockerConfig(content []byte) []Hit {
	var doc map[string]json.RawMessage
	if json.Unmarshal(content, &doc) != nil {
		return nil
	}
	auths := doc
	if raw, ok := doc["auths"]; ok {
		auths = nil
		if json.Unmarshal(raw, &auths) != nil {
			return nil
		}
	}
	hosts := make([]string, 0, len(auths))
	for h := range auths {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	var hits []Hit
	for _, host := range hosts {
		var entry map[string]any
		if json.Unmarshal(auths[host], &entry) != nil {
			continue
		}
		for _, k := range []string{"auth", "password", "identitytoken", "registrytoken"} {
			if s, ok := entry[k].(string); ok && !heurPlaceholder(s) {
				hits = append(hits, Hit{Rule: RuleDockerConfig, Line: heurLineOf(content, host), Detail: k + " for " + host})
				break
			}
		}
	}
	return hits
}

// lineOf is the line of s's first occurrence as a JSON string, 0 if none.
func heurLineOf(content []byte, s string) int {
	q, _ := json.Marshal(s)
	i := bytes.Index(content, q)
	if i < 0 {
		return 0
	}
	return bytes.Count(content[:i], []byte("\n")) + 1
}

// scanKubeconfig: user entries' token, password, client-key-data and
// auth-provider tokens, with a literal value. (Line-based: kubeconfigs are
// simple YAML, and a parser would add a dependency for no gain here.)
func heurKubeconfig(content []byte) []Hit {
	keys := map[string]bool{"token": true, "password": true, "client-key-data": true,
		"id-token": true, "refresh-token": true, "access-token": true, "client-secret": true}
	var hits []Hit
	heurEachLine(content, "#", func(n int, line string) {
		line = strings.TrimSpace(strings.TrimPrefix(line, "- "))
		key, val, ok := strings.Cut(line, ":")
		key = strings.Trim(strings.TrimSpace(key), `"'`)
		if ok && keys[key] && !heurPlaceholder(val) {
			hits = append(hits, Hit{Rule: RuleKubeconfig, Line: n, Detail: key})
		}
	})
	return hits
}
