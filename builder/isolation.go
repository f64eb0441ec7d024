package builder

import (
	"fmt"
	"os"

	"github.com/hushbuild/hush/builder/internal/rundir"
	"github.com/hushbuild/hush/internal/isolation"
	"go.podman.io/buildah/define"
)

// Isolation is how RUN steps are isolated from the machine hush runs on
// (the ladder is described at isolation.Mode, where detection lives).
type Isolation = isolation.Mode

// The isolation modes Options.Isolation accepts.
const (
	IsolationAuto       = isolation.Auto       // detect: the strongest that works here
	IsolationOCI        = isolation.OCI        // runc, namespaces and cgroups
	IsolationRootless   = isolation.Rootless   // runc in a user namespace
	IsolationChroot     = isolation.Chroot     // chroot and namespaces, no cgroups
	IsolationContainer  = isolation.Container  // no namespaces: rewrites / (only inside a container)
	IsolationRestricted = isolation.Restricted // container isolation for a non-root uid, under a fake root
)

// ParseIsolation reads an --isolation value ("auto" is the zero value).
func ParseIsolation(s string) (Isolation, error) { return isolation.Parse(s) }

// setupIsolation picks the build's isolation (auto: detected), says in one
// line on stderr when it is weaker than runc's, and fills in built-in
// configuration where the machine has none.
func (p *plan) setupIsolation(o Options) (define.Isolation, error) {
	mode, d, err := isolation.Resolve(o.Isolation, o.ForceContainer)
	if err != nil {
		return 0, err
	}
	p.isolation = mode
	if mode == IsolationContainer || mode == IsolationRestricted {
		p.containerBlobCache()
	}
	if mode == IsolationChroot || mode == IsolationContainer || mode == IsolationRestricted {
		fmt.Fprintf(p.stderr, "hush: isolation %s: %s\n", mode, d.Why)
	}
	if p.tmpDir == "" && p.buildDir != "" && (mode == IsolationChroot || mode == IsolationRootless) && isolation.OverlayCannotStack(os.TempDir()) != "" {
		// buildah mounts an overlay over the build context, with its
		// upper directory under TMPDIR: not on a container's overlayfs
		// root. The process's tmpfs TMPDIR takes it (set once per
		// process: tempdir.go).
		if p.tmpDir, err = rundir.SetupTempDir(); err != nil {
			return 0, err
		}
	}
	dir := p.buildDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "hush-conf-"); err != nil {
			return 0, fmt.Errorf("creating a directory for built-in configuration: %w", err)
		}
		p.undo = append(p.undo, func() { os.RemoveAll(dir) })
	}
	if _, err := isolation.FillHostDefaults(p.sys, dir); err != nil {
		return 0, err
	}
	return buildahIsolation(mode), nil
}

// buildahIsolation is the buildah isolation a mode runs RUN steps with.
func buildahIsolation(m Isolation) define.Isolation {
	switch m {
	case IsolationRootless:
		return define.IsolationOCIRootless
	case IsolationChroot:
		return define.IsolationChroot
	}
	if os.Geteuid() != 0 {
		return define.IsolationOCIRootless
	}
	return define.IsolationOCI
}
