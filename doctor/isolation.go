package doctor

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/hushbuild/hush/internal/isolation"
)

// isolationChecks report the probes behind --isolation auto and the mode
// it picks: the same detection a build runs, so doctor's "ok" is the
// build's.
func isolationChecks() []Check {
	d := isolation.Detect()
	var out []Check
	for _, p := range []struct {
		name string
		err  error
	}{{"mounts", d.Mount}, {"/proc (runc)", d.Proc}, {"cgroups", d.Cgroup}} {
		if errors.Is(p.err, isolation.ErrNotProbed) {
			continue
		}
		c := Check{Name: p.name, Status: OK, Detail: "work"}
		if p.err != nil {
			// A weaker mode copes; the isolation line says whether one does.
			c.Status, c.Detail = Warn, p.err.Error()
		}
		out = append(out, c)
	}
	c := Check{Name: "isolation"}
	switch {
	case d.Err != nil:
		c.Status, c.Detail = Fail, d.Err.Error()
	default:
		where := ""
		if d.InContainer && !strings.Contains(d.Why, d.ContainerSign) {
			where = " (in a container: " + d.ContainerSign + ")"
		}
		c.Status, c.Detail = OK, fmt.Sprintf("auto picks %s: %s%s", d.Mode, d.Why, where)
		if d.NeedUserNS {
			c.Detail += "; hush enters a user namespace first"
		}
	}
	out = append(out, c)
	if d.Mode == isolation.Restricted {
		out = append(out, restrictedCheck())
	}
	return out
}

// restrictedCheck explains restricted isolation and its limits.
func restrictedCheck() Check {
	c := Check{Name: "fake root", Status: OK}
	if why := isolation.RestrictedUnavailable(); why != "" {
		c.Status, c.Detail = Fail, why
		return c
	}
	c.Detail = fmt.Sprintf("steps run as uid %d in %s (linked from /) under hush's seccomp fake root: they see uid 0, their chown and mknod are recorded and the layers get root's owners. "+
		"Limits: no new top-level names (/ is root's), links into /etc resolved by the kernel reach the container's /etc, no root permission override, amd64 only (docs/container-isolation.md)",
		os.Geteuid(), isolation.RestrictedRoot)
	return c
}
