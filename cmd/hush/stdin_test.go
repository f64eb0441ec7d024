package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func tarOf(t *testing.T, files map[string]string, gz bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.Writer = &buf
	var zw *gzip.Writer
	if gz {
		zw = gzip.NewWriter(&buf)
		w = zw
	}
	tw := tar.NewWriter(w)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	tw.Close()
	if zw != nil {
		zw.Close()
	}
	return buf.Bytes()
}

// TestReadStdin: docker build's stdin rules: a tar (plain or compressed)
// with context "-" is the context; anything else is a Dockerfile.
func TestReadStdin(t *testing.T) {
	df := "FROM scratch\nCOPY x /x\n"
	for _, tt := range []struct {
		name, ctx, file string
		in              []byte
		archive         bool
		wantErr         string
	}{
		{"Dockerfile", "-", "", []byte(df), false, ""},
		{"tar", "-", "", tarOf(t, map[string]string{"Dockerfile": df}, false), true, ""},
		{"tar.gz", "-", "", tarOf(t, map[string]string{"Dockerfile": df}, true), true, ""},
		{"tar with -f", "-", "build/Dockerfile", tarOf(t, map[string]string{"build/Dockerfile": df}, false), true, ""},
		{"Dockerfile with -f", "-", "Dockerfile", []byte(df), false, "not a context archive"},
		{"-f - with a directory", "dir", "-", []byte(df), false, ""},
		{"short", "-", "", []byte("FROM x"), false, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in, err := readStdin(bytes.NewReader(tt.in), tt.ctx, tt.file)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (in.archive != nil) != tt.archive {
				t.Fatalf("archive = %v, want %v", in.archive != nil, tt.archive)
			}
			if tt.archive {
				got, _ := io.ReadAll(in.archive)
				if !bytes.Equal(got, tt.in) {
					t.Errorf("the archive reader lost bytes: %d of %d", len(got), len(tt.in))
				}
			} else if string(in.dockerfile) != string(tt.in) {
				t.Errorf("dockerfile = %q", in.dockerfile)
			}
		})
	}
}

// TestLegacyFlags: old docker build flags are accepted; the ones hush does
// not apply are named in one note; progress spellings map as buildx's do.
func TestLegacyFlags(t *testing.T) {
	// An earlier test's build may have pointed TMPDIR at the process's
	// tmpfs directory and removed it as it ended.
	t.Setenv("TMPDIR", "")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644)
	t.Setenv("BUILDKIT_PROGRESS", "")
	for _, tt := range []struct {
		name     string
		args     []string
		progress string
		quiet    bool
		note     string
	}{
		{"no-ops", []string{"--rm", "--force-rm", "--compress", "--disable-content-trust=false", "--squash", "--network", "default", "--isolation", "default"}, "plain", false, ""},
		{"limits", []string{"-m", "2g", "--cpu-shares", "512", "--security-opt", "seccomp=unconfined"}, "plain", false, "--memory, --cpu-shares, --security-opt accepted but not applied"},
		{"tty", []string{"--progress", "tty"}, "plain", false, ""},
		{"quiet", []string{"--progress=quiet"}, "plain", true, ""},
		{"json", []string{"--progress=json"}, "json", false, ""},
		{"podman pull", []string{"--pull=always"}, "plain", false, ""},
		{"docker pull", []string{"--pull"}, "plain", false, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := optionsOf(t, tt.args)
			if _, err := o.toOptions(dir, nil); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(strings.Join(tt.args, " "), "pull") != o.pull {
				t.Errorf("pull = %v for %v", o.pull, tt.args)
			}
			if o.progress != tt.progress || o.quiet != tt.quiet {
				t.Errorf("progress %q quiet %v, want %q %v", o.progress, o.quiet, tt.progress, tt.quiet)
			}
			notes := strings.Join(o.legacy.notes, "\n")
			if tt.note == "" && notes != "" || !strings.Contains(notes, tt.note) {
				t.Errorf("notes = %q, want %q", notes, tt.note)
			}
		})
	}
	t.Run("BUILDKIT_PROGRESS", func(t *testing.T) {
		t.Setenv("BUILDKIT_PROGRESS", "json")
		o := optionsOf(t, nil)
		if _, err := o.toOptions(dir, nil); err != nil || o.progress != "json" {
			t.Errorf("progress %q (%v), want json from $BUILDKIT_PROGRESS", o.progress, err)
		}
	})
}

func optionsOf(t *testing.T, args []string) *buildOptions {
	t.Helper()
	o := &buildOptions{}
	if err := buildCommand(o).ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	return o
}

func TestAuthFileFromEnv(t *testing.T) {
	t.Setenv("REGISTRY_AUTH_FILE", "/ci/auth.json")
	if got := authFile(""); got != "/ci/auth.json" {
		t.Errorf("authFile(\"\") = %q, want $REGISTRY_AUTH_FILE", got)
	}
	if got := authFile("/flag.json"); got != "/flag.json" {
		t.Errorf("the flag must win over $REGISTRY_AUTH_FILE, got %q", got)
	}
}
