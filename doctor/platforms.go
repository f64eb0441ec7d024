package doctor

import (
	"strings"

	"github.com/hushbuild/hush/internal/platforms"
)

// PlatformCheck says which platforms RUN steps can run here (natively or
// through qemu-user registered in binfmt_misc) and how to enable the
// rest. Never a failure: a build for a platform this machine cannot run
// works as long as its RUN steps run on the build platform
// (FROM --platform=$BUILDPLATFORM).
func PlatformCheck() Check { return platformCheck(platforms.BinfmtDir) }

func platformCheck(dir string) Check {
	var can, cannot []string
	for _, p := range platforms.Candidates() {
		r := platforms.Runner(p, dir)
		switch {
		case r == "":
			cannot = append(cannot, p.String())
		case r == "native":
			can = append(can, p.String())
		default:
			can = append(can, p.String()+" via "+r)
		}
	}
	c := Check{Name: "platforms", Status: OK, Detail: "RUN runs for " + strings.Join(can, ", ")}
	if len(cannot) > 0 {
		c.Status = Warn
		c.Detail += "; not for " + strings.Join(cannot, ", ") + " (their RUN steps need emulation)"
		c.Fix = platforms.EnableHint(dir)
	}
	return c
}
