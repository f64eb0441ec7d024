package tests

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// toolOut runs a real tool and returns its output.
func toolOut(t *testing.T, dir string, stdin []byte, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(stdin)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v (scripts/deps.sh installs it)", name, err)
	}
	return out
}

// debWith builds a Debian package with dpkg-deb whose data.tar.xz holds
// etc/app/config with body.
func debWith(t *testing.T, body string) string {
	t.Helper()
	dir := tempDir(t)
	pkg := filepath.Join(dir, "pkg")
	writeFiles(t, pkg, map[string]string{
		"DEBIAN/control": "Package: hushtest\nVersion: 1\nArchitecture: all\nMaintainer: T <t@example.com>\nDescription: t\n",
		"etc/app/config": body,
	})
	toolOut(t, dir, nil, "dpkg-deb", "--root-owner-group", "-Zxz", "--build", "pkg", "out.deb")
	b, err := os.ReadFile(filepath.Join(dir, "out.deb"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestGuardFormats: a Debian package whose data.tar.xz holds the canary is
// refused, the finding named inside the package; an xz stream with a BCJ
// filter (xz --x86), which the scanner cannot decode, refuses the build as
// incomplete; a clean package and a real executable (magic numbers by
// chance) pass.
func TestGuardFormats(t *testing.T) {
	c := newCanary(t)
	_, flags, env := tokenEnv("tok")(t, c)
	config := "# app\ntoken = " + c.value + "\n"
	exe, err := os.ReadFile("/usr/bin/git")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, file, body string
		code             int
		says             []string
	}{
		{"deb", "app.deb", debWith(t, config), 3, []string{"app.deb!data.tar.xz!"}},
		{"bcj", "tool.xz", string(toolOut(t, "", []byte(config), "xz", "--x86", "--lzma2", "-c")), 3, []string{"scan incomplete", "tool.xz", "xz stream that cannot be decoded"}},
		{"clean", "app.deb", debWith(t, "# app\ntoken = none\n"), 0, nil},
		{"executable", "git", string(exe), 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _, _ := guardBuild(t, c, map[string]string{
				"Dockerfile": "FROM localhost/busybox\nCOPY " + tc.file + " /opt/\n",
				tc.file:      tc.body,
			}, flags, env)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d:\n%s", r.code, tc.code, c.mask(r.stderr))
			}
			for _, s := range tc.says {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("stderr does not say %q:\n%s", s, c.mask(r.stderr))
				}
			}
			if strings.Contains(r.stdout+r.stderr, c.value) {
				t.Errorf("the output holds the value")
			}
		})
	}
}
