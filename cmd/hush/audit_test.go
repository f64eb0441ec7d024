package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeAuditImage writes a one-layer OCI layout holding files, with env in
// its config and one history entry, and returns "oci:DIR:img".
func writeAuditImage(t *testing.T, files map[string]string, env []string, createdBy string) string {
	t.Helper()
	dir := t.TempDir()
	blobs := filepath.Join(dir, "blobs", "sha256")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		t.Fatal(err)
	}
	put := func(b []byte) string {
		sum := sha256.Sum256(b)
		h := hex.EncodeToString(sum[:])
		if err := os.WriteFile(filepath.Join(blobs, h), b, 0o644); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf(`{"mediaType":"%%s","digest":"sha256:%s","size":%d}`, h, len(b))
	}
	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	for name, body := range files {
		_ = tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
		_, _ = tw.Write([]byte(body))
	}
	_ = tw.Close()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(raw.Bytes())
	_ = zw.Close()
	diff := sha256.Sum256(raw.Bytes())
	layer := fmt.Sprintf(put(gz.Bytes()), "application/vnd.oci.image.layer.v1.tar+gzip")
	envJSON, _ := json.Marshal(env)
	cbJSON, _ := json.Marshal(createdBy)
	config := fmt.Sprintf(put([]byte(fmt.Sprintf(`{"architecture":"amd64","os":"linux","config":{"Env":%s},"rootfs":{"type":"layers","diff_ids":["sha256:%x"]},"history":[{"created_by":%s}]}`,
		envJSON, diff, cbJSON))), "application/vnd.oci.image.config.v1+json")
	manifest := put([]byte(fmt.Sprintf(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":%s,"layers":[%s]}`, config, layer)))
	index := fmt.Sprintf(`{"schemaVersion":2,"manifests":[%s]}`,
		strings.Replace(fmt.Sprintf(manifest, "application/vnd.oci.image.manifest.v1+json"), "}", `,"annotations":{"org.opencontainers.image.ref.name":"img"}}`, 1))
	if err := os.WriteFile(filepath.Join(dir, "index.json"), []byte(index), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return "oci:" + dir + ":img"
}

// TestAuditCLI runs `hush audit` in-process: exit codes 0 (clean), 1
// (findings), 2 (could not audit, bad input); the report on stdout in
// every format; one line on stderr; never the value.
func TestAuditCLI(t *testing.T) {
	const canary = "hushcanary-auditcli-51c0de"
	t.Setenv("HUSH_AUDIT_CLI_TOKEN", canary)
	secretFile := filepath.Join(t.TempDir(), "tok")
	if err := os.WriteFile(secretFile, []byte(canary+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	leaky := writeAuditImage(t, map[string]string{"app/config.ini": "token = " + canary + "\n"},
		[]string{"PATH=/bin"}, "RUN |1 TOKEN="+canary+" /bin/sh -c make")
	clean := writeAuditImage(t, map[string]string{"app/config.ini": "token = ${TOKEN}\n", "app/readme": "Zq8vK2mN4pR7sT1wX5yB9cD3fG6hJ0kL\n"},
		[]string{"PATH=/bin", "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D"}, "RUN /bin/sh -c make")
	byEnv := "id=tok,env=HUSH_AUDIT_CLI_TOKEN"
	byFile := "id=tok,src=" + secretFile

	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   []string // substrings
		stderr   string   // substring of the one line
		noStdout bool
	}{
		{"clean", []string{"audit", "--secret", byEnv, clean}, exitOK, []string{"IMAGE", clean, "no"}, "", false},
		{"clean json", []string{"audit", "--format", "json", "--secret", byFile, clean}, exitOK, []string{`"findings": []`}, "", false},
		{"leaky table", []string{"audit", "--secret", byEnv, leaky}, exitFailed, []string{"yes (1)", `secret "tok"`, "/app/config.ini", "RUN |1 TOKEN=****"}, "audit: 3 finding(s) in 1 of 1 image(s): 1 runtime, 0 hidden, 2 metadata", false},
		{"leaky json", []string{"audit", "--format", "json", "--secret", byFile, leaky, clean}, exitFailed, []string{`"location": "runtime"`, `"secretId": "tok"`}, "in 1 of 2 image(s)", false},
		{"leaky sarif", []string{"audit", "--format=sarif", "--secret", byEnv, leaky}, exitFailed, []string{`"version": "2.1.0"`, `"ruleId": "known-secret"`}, "finding(s)", false},
		{"heuristics only", []string{"audit", leaky}, exitFailed, []string{"credential-name"}, "1 finding(s)", false},
		{"nothing to look for", []string{"audit", "--heuristics=false", leaky}, exitOK, []string{"no"}, "", false},
		{"missing image", []string{"audit", "--secret", byEnv, clean, "oci:/nonexistent/dir:x"}, exitUsage, []string{"error"}, "oci:/nonexistent/dir:x", false},
		{"bad transport ref", []string{"audit", "docker://UPPER/Case:x"}, exitUsage, nil, "docker://UPPER/Case:x", false},
		{"bad secret", []string{"audit", "--secret", "id=a,bogus=1", clean}, exitUsage, nil, `unknown key "bogus"`, true},
		{"secret value pasted", []string{"audit", "--secret", "id=a," + canary, clean}, exitUsage, nil, "is not key=value", true},
		{"missing secret file", []string{"audit", "--secret", "id=pip,src=/nonexistent/pip.conf", clean}, exitUsage, nil, `secret "pip"`, true},
		{"unset secret env", []string{"audit", "--secret", "id=e,env=HUSH_AUDIT_UNSET_XYZ", clean}, exitUsage, nil, "HUSH_AUDIT_UNSET_XYZ", true},
		{"bad format", []string{"audit", "--format", "xml", clean}, exitUsage, nil, `--format "xml"`, true},
		{"no image", []string{"audit"}, exitUsage, nil, "requires at least 1 arg", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", tt.args...)
			if code != tt.code {
				t.Errorf("exit code = %d, want %d (stderr %q)", code, tt.code, errOut)
			}
			for _, s := range tt.stdout {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			if tt.noStdout && out != "" {
				t.Errorf("stdout = %q, want nothing", out)
			}
			if tt.stderr == "" {
				if errOut != "" {
					t.Errorf("stderr = %q, want nothing", errOut)
				}
			} else if strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "hush: ") || !strings.Contains(errOut, tt.stderr) {
				t.Errorf("stderr = %q, want one line naming %q", errOut, tt.stderr)
			}
			if strings.Contains(out+errOut, canary) {
				t.Errorf("output shows the secret value:\n%s\n%s", out, errOut)
			}
			if strings.Contains(tt.name, "json") || strings.Contains(tt.name, "sarif") {
				var v any
				if err := json.Unmarshal([]byte(out), &v); err != nil {
					t.Errorf("stdout is not JSON: %v", err)
				}
			}
		})
	}
}

// A known value too short to search for is named in a warning, never
// silently ignored.
func TestAuditCLIShortSecret(t *testing.T) {
	t.Setenv("HUSH_AUDIT_SHORT", "abc")
	img := writeAuditImage(t, map[string]string{"a": "b"}, nil, "RUN true")
	code, _, errOut := runCLI(t, "", "audit", "--secret", "id=short,env=HUSH_AUDIT_SHORT", img)
	if code != exitOK || !strings.Contains(errOut, `warning: secret "short" is too short`) || strings.Contains(errOut, "abc") {
		t.Errorf("exit %d, stderr %q: want 0 and a warning naming the id", code, errOut)
	}
}
