package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hushbuild/hush/builder"
)

// TestExitCodes runs the CLI in-process once per exit code, each failing
// before any image is built, so no root, store or runtime is needed.
func TestExitCodes(t *testing.T) {
	const canary = "hushcanary-exit-5d1e7a0c93"
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	notADir := filepath.Join(dir, "Dockerfile") // a file where storage wants a directory
	t.Setenv("HUSH_EXIT_TEST_TOKEN", canary)
	t.Cleanup(builder.RemoveTempDir)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"ok", []string{"version"}, exitOK, ""},
		{"failed: storage cannot open", []string{"build", "--root", filepath.Join(notADir, "root"), "--runroot", filepath.Join(notADir, "run"), dir}, exitFailed, "storage"},
		{"usage: flag parsing", []string{"build", "--tls-verify=maybe", dir}, exitUsage, `invalid argument "maybe"`},
		{"usage: unknown command", []string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{"usage: option validation names the flag", []string{"build", "--network", "mynet", dir}, exitUsage, `--network: "mynet"`},
		{"guard: a build arg carries the secret", []string{"build", "--secret", "id=tok,env=HUSH_EXIT_TEST_TOKEN", "--build-arg", "V=" + canary, dir}, exitGuard, "--build-arg V"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.code == exitGuard && !haveTmpfs() {
				t.Skip("a build with secrets needs a tmpfs (/dev/shm)")
			}
			code, out, errOut := runCLI(t, "", tt.args...)
			if code != tt.code {
				t.Errorf("exit code = %d, want %d (stderr %q)", code, tt.code, errOut)
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

func haveTmpfs() bool {
	var st syscall.Statfs_t
	return syscall.Statfs("/dev/shm", &st) == nil && st.Type == 0x01021994
}

// TestExitCodeByType: the code follows the error's type, never its text
// nor a wrapped process's status.
func TestExitCodeByType(t *testing.T) {
	step := exec.Command("sh", "-c", "exit 3").Run() // an *exec.ExitError with status 3
	tests := []struct {
		name string
		err  error
		code int
	}{
		{"nil", nil, exitOK},
		{"EINVAL from a mount is not bad input", fmt.Errorf("mounting overlay: %w", syscall.EINVAL), exitFailed},
		{"the text alone is not bad input", errors.New("building: invalid argument"), exitFailed},
		{"a step that exits 3 is not the guard", &builder.StepError{Err: fmt.Errorf("building: %w", step)}, exitFailed},
		{"an image error", &builder.ImageError{Err: errors.New("pushing x: denied")}, exitFailed},
		{"an option error", &builder.OptionError{Field: "Network", Err: errors.New(`"mynet": want host, none or default`)}, exitUsage},
		{"a wrapped option error", fmt.Errorf("x: %w", &builder.OptionError{Field: "Secrets", Err: errors.New("y")}), exitUsage},
		{"a flag error", usagef("--progress %q: want plain or json", "fancy"), exitUsage},
		{"the guard", &builder.GuardError{}, exitGuard},
		{"audit's own code", couldNotAudit{errors.New("interrupted")}, exitUsage},
	}
	for _, tt := range tests {
		if got := exitCode(tt.err); got != tt.code {
			t.Errorf("%s: exitCode = %d, want %d", tt.name, got, tt.code)
		}
	}
	if !errors.Is(&builder.OptionError{Field: "Tags", Err: errors.New("x")}, builder.ErrInvalidOptions) {
		t.Error("an OptionError does not match ErrInvalidOptions")
	}
	if got := describe(&builder.OptionError{Field: "Network", Err: errors.New(`"mynet": want host, none or default`)}); got != `--network: "mynet": want host, none or default` {
		t.Errorf("describe = %q", got)
	}
}
