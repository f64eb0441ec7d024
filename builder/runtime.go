package builder

import (
	"fmt"
	"os/exec"

	"golang.org/x/sys/unix"
)

// pickRuntime chooses the OCI runtime for RUN steps. runc comes first
// because Debian 12's crun 1.8 rejects the runtime-spec version buildah
// v1.45 writes ("unknown version specified").
func pickRuntime(want string) (string, error) {
	if want != "" {
		p, err := exec.LookPath(want)
		if err != nil {
			return "", fmt.Errorf("runtime %q: not found in PATH", want)
		}
		return p, nil
	}
	for _, name := range []string{"runc", "crun"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no OCI runtime found: install runc (apt-get install runc)")
}

// clampedUlimits pins RLIMIT_NOFILE and RLIMIT_NPROC to this process's hard
// limits. buildah otherwise asks for 1048576, which runc refuses where the
// hard limit is lower (as on CI runners and these machines).
func clampedUlimits() []string {
	var out []string
	for _, l := range []struct {
		name string
		res  int
	}{{"nofile", unix.RLIMIT_NOFILE}, {"nproc", unix.RLIMIT_NPROC}} {
		var rl unix.Rlimit
		if err := unix.Getrlimit(l.res, &rl); err != nil || rl.Max == unix.RLIM_INFINITY {
			continue
		}
		out = append(out, fmt.Sprintf("%s=%d:%d", l.name, rl.Max, rl.Max))
	}
	return out
}
