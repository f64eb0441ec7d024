package builder

import (
	"errors"
	"fmt"
	"strings"
	"syscall"

	"github.com/hushbuild/hush/internal/platforms"
)

// setPlatform takes --platform's one platform (a list goes to
// buildIndex): buildah then pulls that platform's bases, sets TARGETOS,
// TARGETARCH, TARGETVARIANT and TARGETPLATFORM as BuildKit does (BUILD*
// stay the host's), and FROM --platform=$BUILDPLATFORM runs natively. RUN
// in a foreign stage runs through binfmt_misc where it is registered.
func (p *plan) setPlatform(s string) error {
	if s == "" {
		return nil
	}
	list, err := platforms.Parse(s)
	if err != nil {
		return err
	}
	if len(list) != 1 {
		return fmt.Errorf("%q: one platform per build here", s)
	}
	p.platform = list[0]
	p.sys.OSChoice, p.sys.ArchitectureChoice, p.sys.VariantChoice = p.platform.OS, p.platform.Arch, p.platform.Variant
	return nil
}

// hintEmulation adds, to a step that failed on a platform this machine
// cannot run, how to make it run (hush doctor lists them).
func (p *plan) hintEmulation(err error) error {
	if p.platform == (platforms.Platform{}) || platforms.Runner(p.platform, platforms.BinfmtDir) != "" {
		return err
	}
	if !errors.Is(err, syscall.ENOEXEC) && !strings.Contains(err.Error(), "exec format error") {
		return err
	}
	return fmt.Errorf("%w (this machine cannot run %s binaries: %s; hush doctor lists the platforms it can)", err, p.platform, platforms.EnableHint(platforms.BinfmtDir))
}
