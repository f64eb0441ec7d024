package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs hush in-process, as the binary would, and returns the exit
// code and what it printed.
func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// TestBuildBadInput covers input rejected before storage is opened: exit 2,
// exactly one line on stderr naming the bad thing, never a secret value.
func TestBuildBadInput(t *testing.T) {
	const canary = "hushcanary-cli-0a9f3e"
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HUSH_CLI_TEST_TOKEN", canary)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"malformed secret", []string{"build", "--secret", "id=a,bogus=1", dir}, `unknown key "bogus"`},
		{"secret value pasted as a field", []string{"build", "--secret", "id=a," + canary, dir}, "is not key=value"},
		{"missing secret file", []string{"build", "--secret", "id=pip,src=" + filepath.Join(dir, "nope.conf"), dir}, `secret "pip"`},
		{"missing context", []string{"build", filepath.Join(dir, "no-such-dir")}, "build context"},
		{"missing Dockerfile", []string{"build", "-f", filepath.Join(dir, "Nope"), dir}, "Nope"},
		{"bad network", []string{"build", "--network", "mynet", dir}, "--network"},
		{"pull never", []string{"build", "--pull=never", dir}, "--pull"},
		{"squash with layers", []string{"build", "--squash", "--layers", dir}, "--squash"},
		{"rawjson progress", []string{"build", "--progress", "rawjson", dir}, "--progress"},
		{"both from stdin", []string{"build", "-f", "-", "-"}, "both read stdin"},
		{"bad output", []string{"build", "-o", "type=cacheonly", dir}, `output type "cacheonly"`},
		{"tar output to stdout", []string{"build", "-o", "type=tar,dest=-", dir}, "stdout is not supported"},
		{"bad add-host", []string{"build", "--add-host", "mirror:not-an-ip", dir}, "--add-host"},
		{"bad ulimit", []string{"build", "--ulimit", "nofile=2048:1024", dir}, "--ulimit"},
		{"bad shm-size", []string{"build", "--shm-size", "lots", dir}, "--shm-size"},
		{"bad annotation", []string{"build", "--annotation", "novalue", dir}, "--annotation"},
		{"bad format", []string{"build", "--format", "v2s1", dir}, `--format: "v2s1": want oci or docker`},
		{"bad build-context", []string{"build", "--build-context", "extra", dir}, "--build-context"},
		{"missing build-context dir", []string{"build", "--build-context", "extra=" + filepath.Join(dir, "nope"), dir}, "--build-context extra"},
		{"URL build-context", []string{"build", "--build-context", "extra=https://example.com/x.tar", dir}, "URL contexts are not supported"},
		{"provenance", []string{"build", "--provenance=mode=max", dir}, "--provenance"},
		{"bare sbom", []string{"build", "--sbom", dir}, "--sbom"},
		{"rotate with --layers", []string{"build", "--layers", "--secret", "id=HUSH_CLI_TEST_TOKEN,rotate=true", dir}, "rotate="},
		{"gha cache", []string{"build", "--layers", "--cache-from", "type=gha", dir}, "only type=registry"},
		{"cache without ref", []string{"build", "--layers", "--cache-to", "type=registry,mode=max", dir}, "ref="},
		{"cache mode", []string{"build", "--layers", "--cache-to", "type=registry,ref=r.example/c,mode=all", dir}, "mode"},
		{"cache key", []string{"build", "--layers", "--cache-to", "type=registry,ref=r.example/c,compression=zstd", dir}, `unknown key "compression"`},
		{"bad progress", []string{"build", "--progress", "fancy", dir}, "--progress"},
		{"platform twice", []string{"build", "--platform", "linux/arm64,linux/aarch64", dir}, "the same platform"},
		{"bad label", []string{"build", "--label", "novalue", dir}, "--label"},
		{"push without tag", []string{"build", "--push", dir}, "at least one tag"},
		{"bad epoch", []string{"build", "--source-date-epoch", "yesterday", dir}, "--source-date-epoch"},
		{"epoch with a tail", []string{"build", "--source-date-epoch", "12abc", dir}, "--source-date-epoch"},
		{"negative epoch", []string{"build", "--source-date-epoch", "-5", dir}, "--source-date-epoch"},
		{"float epoch", []string{"build", "--source-date-epoch", "1.5", dir}, "--source-date-epoch"},
		{"epoch past int64", []string{"build", "--source-date-epoch", "99999999999999999999", dir}, "--source-date-epoch"},
		{"no context", []string{"build"}, "accepts 1 arg"},
		{"unknown flag", []string{"build", "--frobnicate", dir}, "unknown flag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", tt.args...)
			if code != exitUsage {
				t.Errorf("exit code = %d, want %d (stderr %q)", code, exitUsage, errOut)
			}
			if lines := strings.Count(errOut, "\n"); lines != 1 || !strings.HasPrefix(errOut, "hush: ") {
				t.Errorf("stderr = %q, want one line starting with \"hush: \"", errOut)
			}
			if !strings.Contains(errOut, tt.want) {
				t.Errorf("stderr = %q, want it to name %q", errOut, tt.want)
			}
			if strings.Contains(out+errOut, canary) {
				t.Errorf("output shows the secret value")
			}
		})
	}
}

func TestParseOutputs(t *testing.T) {
	outs, err := parseOutputs([]string{"type=oci,dest=/tmp/x", "type=docker,dest=a.tar", "type=image", "type=registry"}, true)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, o := range outs {
		got = append(got, string(o.Type)+":"+o.Dest)
	}
	want := "oci:/tmp/x docker:a.tar registry: registry:"
	if strings.Join(got, " ") != want {
		t.Errorf("parseOutputs = %q, want %q", strings.Join(got, " "), want)
	}
}

func TestBuildArgsFromEnv(t *testing.T) {
	t.Setenv("HUSH_ARG_FROM_ENV", "v1")
	args, err := buildArgs([]string{"A=1", "B=", "HUSH_ARG_FROM_ENV", "HUSH_ARG_UNSET_XYZ"})
	if err != nil {
		t.Fatal(err)
	}
	if args["A"] != "1" || args["B"] != "" || args["HUSH_ARG_FROM_ENV"] != "v1" {
		t.Errorf("buildArgs = %v", args)
	}
	if _, ok := args["HUSH_ARG_UNSET_XYZ"]; ok {
		t.Errorf("an unset KEY-only build arg must be skipped, as docker does")
	}
}
