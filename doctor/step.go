package doctor

import (
	"context"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// StepCheck runs one real build with one no-op RUN step, through the same
// re-exec, isolation and storage a build gets (self is the hush binary),
// in a throw-away store: the probes can miss what a step then trips on.
// The step's program must run in an empty image, so it is a static
// binary: hush itself (static in hush's image) or busybox.
func StepCheck(ctx context.Context, self string) Check {
	c := Check{Name: "no-op step"}
	prog, args := "", ""
	for _, cand := range []struct{ path, args string }{{self, `"version"`}, {"/hush/bin/busybox", `"true"`}, {"/bin/busybox", `"true"`}} {
		if isStatic(cand.path) {
			prog, args = cand.path, cand.args
			break
		}
	}
	if prog == "" {
		c.Status, c.Detail = Warn, "not run: needs a static hush or busybox to put in an empty image (apt-get install busybox-static)"
		return c
	}
	dir, err := os.MkdirTemp("", "hush-doctor-step-")
	if err != nil {
		c.Status, c.Detail = Fail, err.Error()
		return c
	}
	defer os.RemoveAll(dir)
	ctxDir := filepath.Join(dir, "context")
	if err := os.Mkdir(ctxDir, 0o755); err == nil {
		// busybox picks its applet by its own name: keep it. Any
		// other name must not be one container mode keeps (/hush).
		name := "noop"
		if filepath.Base(prog) == "busybox" {
			name = "busybox"
		}
		err = copyFile(prog, filepath.Join(ctxDir, name))
		if err == nil {
			// In /bin: restricted isolation's steps reach only the
			// top-level names hush's image links (/ is root's).
			df := fmt.Sprintf("FROM scratch\nCOPY %s /bin/%s\nRUN [\"/bin/%s\", %s]\n", name, name, name, args)
			err = os.WriteFile(filepath.Join(ctxDir, "Dockerfile"), []byte(df), 0o644)
		}
	}
	if err != nil {
		c.Status, c.Detail = Fail, err.Error()
		return c
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, self, "build", "-q", "--root", filepath.Join(dir, "root"), "--runroot", filepath.Join(dir, "run"), ctxDir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		last := strings.TrimSpace(string(out))
		if i := strings.LastIndexByte(last, '\n'); i >= 0 {
			last = last[i+1:]
		}
		c.Status, c.Detail = Fail, fmt.Sprintf("a one-step build failed: %s", last)
		c.Fix = "see the isolation line above; hush build prints the whole error"
		return c
	}
	c.Status, c.Detail = OK, "a one-step build ran (in a throw-away store)"
	return c
}

func isStatic(path string) bool {
	f, err := elf.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return false
		}
	}
	return true
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o755)
}
