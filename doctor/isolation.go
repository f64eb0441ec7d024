package doctor

import (
	"errors"
	"fmt"
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
	return append(out, c)
}
