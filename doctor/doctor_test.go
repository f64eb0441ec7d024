package doctor

import (
	"bytes"
	"errors"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hushbuild/hush/internal/isolation"
)

// TestReportWrite: one line per check, a fix only under a check that is
// not ok, and Failed only for a Fail (a warning still builds).
func TestReportWrite(t *testing.T) {
	t.Parallel()
	r := Report{Rootless: true, Checks: []Check{
		{Name: "a", Status: OK, Detail: "fine", Fix: "never shown"},
		{Name: "b", Status: Warn, Detail: "meh", Fix: "do b"},
	}}
	if r.Failed() {
		t.Error("a report with only ok and warn failed")
	}
	var out bytes.Buffer
	if err := r.Write(&out); err != nil {
		t.Fatal(err)
	}
	want := "hush doctor (rootless)\n" +
		"ok    a                fine\n" +
		"warn  b                meh\n" +
		"                       fix: do b\n"
	if out.String() != want {
		t.Errorf("Write:\n%s\nwant:\n%s", out.String(), want)
	}
	r.Checks = append(r.Checks, Check{Name: "c", Status: Fail, Detail: "broken"})
	if !r.Failed() {
		t.Error("a report with a Fail did not fail")
	}
}

// fakeTool writes an executable named name into dir that prints line for
// --version, as runc and crun do.
func fakeTool(t *testing.T, dir, name, line string) {
	t.Helper()
	script := "#!/bin/sh\necho '" + line + "'\n"
	if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestRuntimeCheck mirrors builder's runtime choice: runc whatever its
// version, crun only from 1.9 (runtime-spec 1.3), else a fix.
func TestRuntimeCheck(t *testing.T) {
	for _, c := range []struct {
		name        string
		tools       map[string]string
		want        Status
		detail, fix string
	}{
		{"runc", map[string]string{"runc": "runc version 1.1.5", "crun": "crun version 1.8.1"}, OK, "runc 1.1.5", ""},
		{"new crun", map[string]string{"crun": "crun version 1.9.2"}, OK, "crun 1.9.2", ""},
		{"old crun", map[string]string{"crun": "crun version 1.8.1"}, Fail, "crun 1.8.1 is too old", "apt-get install runc"},
		{"none", nil, Fail, "neither runc nor crun", "apt-get install runc"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, line := range c.tools {
				fakeTool(t, dir, name, line)
			}
			t.Setenv("PATH", dir)
			got := runtimeCheck()
			if got.Status != c.want || !strings.Contains(got.Detail, c.detail) || got.Fix != c.fix {
				t.Errorf("runtimeCheck() = %+v; want status %s, detail with %q, fix %q", got, c.want, c.detail, c.fix)
			}
		})
	}
}

// TestSubids: a range of 65536 ids (by name or by uid) is ok, fewer a
// warning, none or no file a failure with the usermod fix.
func TestSubids(t *testing.T) {
	t.Parallel()
	u, err := user.Current()
	if err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	for _, c := range []struct {
		name, content string
		want          Status
	}{
		{"by name", "other:1:65536\n" + u.Username + ":100000:65536\n", OK},
		{"by uid, two ranges", u.Uid + ":100000:30000\n" + u.Username + ":200000:40000\n", OK},
		{"small", u.Username + ":100000:1000\n", Warn},
		{"someone else's", "someone-else:100000:65536\n", Fail},
		{"no file", "", Fail},
	} {
		t.Run(c.name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-"))
			if c.content != "" {
				if err := os.WriteFile(file, []byte(c.content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got := subids(file)
			if got.Status != c.want {
				t.Errorf("subids = %+v, want %s", got, c.want)
			}
			if got.Status != OK && !strings.Contains(got.Fix, "usermod") {
				t.Errorf("no usermod fix: %+v", got)
			}
		})
	}
}

func TestRuntimeDir(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", "")
	if c := runtimeDir(); c.Status != Fail || c.Fix == "" {
		t.Errorf("unset: %+v, want a failure with a fix", c)
	}
	t.Setenv("XDG_RUNTIME_DIR", filepath.Join(t.TempDir(), "missing"))
	if c := runtimeDir(); c.Status != Fail {
		t.Errorf("missing directory: %+v, want a failure", c)
	}
	own := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", own)
	if c := runtimeDir(); c.Status != OK || c.Detail != own {
		t.Errorf("own directory: %+v, want ok", c)
	}
}

func TestOverlayCheck(t *testing.T) {
	t.Parallel()
	if c := overlayCheck(func() error { return nil }); c.Status != OK {
		t.Errorf("mounting probe: %+v, want ok", c)
	}
	c := overlayCheck(func() error { return errors.New("mount: operation not permitted") })
	if c.Status != Warn || !strings.Contains(c.Detail, "operation not permitted") || c.Fix == "" {
		t.Errorf("refused probe: %+v, want a warning naming the error, with a fix", c)
	}
}

func TestDirOf(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"/a/b/c": "/a/b", "/a": "/", "/": "/", "rel": "/"} {
		if got := dirOf(in); got != want {
			t.Errorf("dirOf(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestIsolationChecksAgreeWithDetect: doctor's isolation line fails
// exactly where a build's auto detection finds no mode, and names the
// mode it picks otherwise.
func TestIsolationChecksAgreeWithDetect(t *testing.T) {
	d := isolation.Detect()
	checks := isolationChecks()
	last := checks[len(checks)-1]
	if last.Name != "isolation" {
		t.Fatalf("last check is %q, want isolation", last.Name)
	}
	if (last.Status == Fail) != (d.Err != nil) {
		t.Errorf("isolation check %+v, detection error %v: want a failure exactly when detection fails", last, d.Err)
	}
	if d.Err == nil && !strings.Contains(last.Detail, "auto picks "+string(d.Mode)) {
		t.Errorf("isolation check %q does not name mode %s", last.Detail, d.Mode)
	}
	for _, c := range checks[:len(checks)-1] {
		if c.Status == Fail {
			t.Errorf("probe %+v failed the report: a weaker mode may cope, so a probe only warns", c)
		}
	}
}

// TestRun: every check has a name and a status, and the rootless checks
// appear exactly for a user other than root.
func TestRun(t *testing.T) {
	r := Run(nil)
	if r.Rootless != (os.Geteuid() != 0) {
		t.Errorf("Rootless = %v as euid %d", r.Rootless, os.Geteuid())
	}
	names := map[string]bool{}
	for _, c := range r.Checks {
		if c.Name == "" || (c.Status != OK && c.Status != Warn && c.Status != Fail) {
			t.Errorf("check %+v: want a name and a status", c)
		}
		names[c.Name] = true
	}
	for _, n := range []string{"oci runtime", "user namespaces", "storage", "rlimits", "isolation"} {
		if !names[n] {
			t.Errorf("no %q check in %v", n, names)
		}
	}
	if names["subuid"] != r.Rootless {
		t.Errorf("subuid check present = %v, rootless = %v", names["subuid"], r.Rootless)
	}
}
