// The module's root holds no code: only this test, which guards the import
// rules of every package in the module.
package hush_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/hushbuild/hush"

// depRules say what a package (a pattern: "x/..." is x and everything under
// it) must not depend on, directly or not; a banned "x/..." is x and
// everything under it, a banned "x" is x alone. The seams they keep:
// secrets is values and specs; pattern matches them; archive walks layers
// with pattern; none of them knows images, buildah, audit or the CLI. audit
// reads images but never builds; the builder never reaches the CLI; the
// builder's subsystems (builder/internal) never reach back up to builder,
// and the leaves they share (rundir, storestate) reach nothing of hush;
// isolation is shared by builder, doctor and the CLI and imports none of
// them; localstore opens the store for builder and audit alike; only cmd imports cobra.
var depRules = []struct {
	pkg    string
	banned []string
}{
	{module + "/secrets", []string{module + "/secrets/pattern/...", module + "/secrets/archive/..."}},
	{module + "/secrets/pattern", []string{module + "/secrets/archive/..."}},
	{module + "/secrets/...", []string{"go.podman.io/buildah/...", "go.podman.io/image/...", "go.podman.io/storage/...",
		module + "/builder/...", module + "/audit/...", module + "/cmd/...", module + "/doctor/...", module + "/internal/...", "github.com/spf13/cobra/..."}},
	{module + "/audit/...", []string{"go.podman.io/buildah/...",
		module + "/builder/...", module + "/cmd/...", "github.com/spf13/cobra/..."}},
	// The layer reader knows storage and tars, not scans: audit walks
	// what it returns.
	{module + "/audit/layertar", []string{module + "/audit", module + "/audit/heuristic",
		module + "/internal/...", "go.podman.io/image/..."}},
	{module + "/audit/heuristic", []string{module + "/secrets/pattern/...", module + "/secrets/archive/...", "go.podman.io/image/...", "go.podman.io/storage/..."}},
	{module + "/builder/...", []string{module + "/cmd/...", module + "/doctor/..."}},
	{module + "/builder/internal/...", []string{module + "/builder"}},
	{module + "/builder/internal/rundir", []string{module + "/builder/...", module + "/secrets/...", module + "/audit/...", module + "/internal/..."}},
	{module + "/builder/internal/storestate", []string{module + "/builder/...", module + "/secrets/...", module + "/audit/...", module + "/internal/..."}},
	// cmode (and recovery, which sweeps it) may use the two leaves made for
	// it: audit/layertar, the one layer reader, and internal/stepcaps.
	{module + "/builder/internal/cmode", []string{module + "/audit", module + "/audit/heuristic/...", module + "/audit/corpus/...",
		module + "/internal/isolation/...", module + "/internal/dfcheck/...", module + "/internal/stepshm/...",
		module + "/builder/internal/guard/...", module + "/builder/internal/stagecache/...", module + "/builder/internal/recovery/...", module + "/builder/internal/publish/..."}},
	// guard and stagecache reach audit's engine, and through it the one
	// store opener (internal/localstore, which asks internal/isolation
	// whether overlay can stack): no other shared internal package.
	{module + "/builder/internal/guard", []string{module + "/internal/dfcheck/...", module + "/internal/stepshm/...", module + "/builder/internal/cmode/...",
		module + "/builder/internal/stagecache/...", module + "/builder/internal/recovery/...", module + "/builder/internal/publish/..."}},
	// The unpacker knows archives and paths, not builds: builders hand it a
	// reader and a destination.
	{module + "/builder/internal/unpack", []string{"go.podman.io/buildah/...", "go.podman.io/image/...",
		module + "/builder/...", module + "/audit/...", module + "/secrets/...", module + "/internal/..."}},
	// The log sink knows secrets and patterns, not builds; the docker
	// flags translation knows buildah's options, not secrets.
	{module + "/builder/internal/logsink", []string{"go.podman.io/...", module + "/builder/...", module + "/audit/...", module + "/secrets/archive/...", module + "/internal/..."}},
	{module + "/builder/internal/dockerflags", []string{module + "/builder/...", module + "/audit/...", module + "/secrets/...", module + "/internal/..."}},
	{module + "/builder/internal/ctrdir", []string{"go.podman.io/buildah/...", "go.podman.io/image/...", module + "/builder/...", module + "/audit/...",
		module + "/secrets/...", module + "/internal/..."}},
	{module + "/builder/internal/leftover", []string{"go.podman.io/...", module + "/builder/...", module + "/audit/...", module + "/secrets/...", module + "/internal/..."}},
	{module + "/builder/internal/publish", []string{module + "/internal/...", module + "/audit/...", module + "/secrets/...", module + "/builder/internal/cmode/...",
		module + "/builder/internal/guard/...", module + "/builder/internal/stagecache/...", module + "/builder/internal/recovery/..."}},
	// The OCI form of an image knows a store and containers/image, not
	// builds, secrets or the subsystems that decide what to keep.
	{module + "/builder/internal/ociconv", []string{module + "/internal/...", module + "/audit/...", module + "/secrets/...", module + "/builder/internal/cmode/...",
		module + "/builder/internal/guard/...", module + "/builder/internal/stagecache/...", module + "/builder/internal/recovery/..."}},
	// imagecopy is below every package that copies images: nothing of hush.
	{module + "/builder/internal/imagecopy", []string{module + "/builder/...", module + "/internal/...", module + "/audit/...", module + "/secrets/..."}},
	// The index joins images others decided to keep: no build subsystem,
	// no secrets, no scans.
	{module + "/builder/internal/index", []string{module + "/internal/...", module + "/audit/...", module + "/secrets/...", module + "/builder/internal/cmode/...",
		module + "/builder/internal/guard/...", module + "/builder/internal/stagecache/...", module + "/builder/internal/recovery/...", module + "/builder/internal/publish/..."}},
	// The history entries know imagebuilder's evaluation, not builds,
	// storage or the subsystems (buildah and container mode both use it).
	{module + "/builder/internal/history", []string{module + "/internal/...", module + "/audit/...", module + "/secrets/...", module + "/builder/internal/cmode/...",
		module + "/builder/internal/guard/...", module + "/builder/internal/stagecache/...", module + "/builder/internal/recovery/...", "go.podman.io/storage"}},
	// Platforms runs builds it is handed as functions: nothing of hush.
	{module + "/internal/platforms", []string{module + "/builder/...", module + "/internal/...", module + "/audit/...", module + "/secrets/...", "go.podman.io/..."}},
	// The config with Docker's fields is a leaf container mode shares.
	{module + "/builder/internal/ociconv/dockercfg", []string{module + "/builder/...", module + "/internal/...", module + "/audit/...", module + "/secrets/..."}},
	{module + "/builder/internal/recovery", []string{module + "/audit", module + "/audit/heuristic/...", module + "/audit/corpus/...",
		module + "/internal/isolation/...", module + "/internal/dfcheck/...", module + "/internal/stepshm/...",
		module + "/builder/internal/guard/...", module + "/builder/internal/stagecache/...", module + "/builder/internal/publish/..."}},
	{module + "/builder/internal/stagecache", []string{module + "/internal/dfcheck/...", module + "/internal/stepshm/...", module + "/builder/internal/cmode/...",
		module + "/builder/internal/guard/...", module + "/builder/internal/recovery/..."}},
	// Runs in buildah's chroot helper before buildah's code: nothing that
	// opens storage or builds. The Dockerfile parser pulls in storage's
	// small helpers, not storage.
	{module + "/internal/dfcheck", []string{"go.podman.io/buildah/...", "go.podman.io/image/...",
		module + "/builder/...", module + "/audit/...", module + "/secrets/...", module + "/cmd/..."}},
	{module + "/internal/stepshm", []string{"go.podman.io/buildah/...", "go.podman.io/storage/...", "go.podman.io/image/...",
		module + "/builder/...", module + "/audit/...", module + "/secrets/...", module + "/cmd/..."}},
	// The one store opener, shared by the builder and audit.
	{module + "/internal/localstore", []string{"go.podman.io/buildah/...", module + "/builder/...", module + "/audit/...",
		module + "/secrets/...", module + "/cmd/...", module + "/doctor/..."}},
	{module + "/internal/stepcaps", []string{"go.podman.io/...", module + "/builder/...", module + "/audit/...", module + "/secrets/...", module + "/cmd/..."}},
	// What the build log says about the registry cache: errors and writers
	// in, lines out; no build or secret.
	{module + "/builder/internal/cachelog", []string{module + "/builder/...", "go.podman.io/buildah/...",
		module + "/secrets/...", module + "/audit/...", module + "/internal/..."}},
	// The fake root knows syscalls, files and tar headers: no build, no
	// isolation ladder (cmode hands it the stage root).
	{module + "/internal/fakeroot", []string{"go.podman.io/buildah/...", "go.podman.io/image/...", module + "/builder/...",
		module + "/audit/...", module + "/secrets/...", module + "/cmd/...", module + "/doctor/...", module + "/internal/isolation/..."}},
	{module + "/internal/isolation", []string{module + "/builder/...", module + "/cmd/...", module + "/doctor/...", module + "/audit/...", module + "/secrets/..."}},
	{module + "/doctor/...", []string{module + "/cmd/...", module + "/builder/..."}},
	// Attestations are made from plain values, checked by the caller's
	// guard, written by publish: no build subsystem, no store.
	{module + "/builder/internal/attest", []string{"go.podman.io/buildah/...", "go.podman.io/storage", "go.podman.io/image/...", module + "/internal/...",
		module + "/builder/internal/guard/...", module + "/builder/internal/stagecache/...", module + "/builder/internal/cmode/...",
		module + "/builder/internal/recovery/...", module + "/builder/internal/publish/..."}},
	// verify reads the published image, not a build.
	{module + "/verify/...", []string{module + "/builder/...", module + "/audit/...", module + "/secrets/...", "go.podman.io/buildah/...", "go.podman.io/storage"}},
}

// TestDependencies fails when a package of the module depends on what its
// rule bans, and when any package outside cmd/ imports cobra itself (buildah's
// flag parsing drags cobra into the builder's dependencies; that is buildah's).
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-tags", "containers_image_openpgp exclude_graphdriver_btrfs exclude_graphdriver_devicemapper",
		"-f", `{{.ImportPath}}|{{join .Imports " "}}|{{join .Deps " "}}`, module+"/...").CombinedOutput()
	if err != nil {
		t.Skipf("go list: %v\n%s", err, out)
	}
	checked := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "|")
		if len(f) != 3 {
			continue
		}
		pkg, imports, deps := f[0], strings.Fields(f[1]), strings.Fields(f[2])
		if !under(pkg, module+"/cmd/...") && slices.Contains(imports, "github.com/spf13/cobra") {
			t.Errorf("%s imports cobra: only cmd speaks it", pkg)
		}
		var banned []string
		for _, r := range depRules {
			if under(pkg, r.pkg) {
				banned = append(banned, r.banned...)
				checked[r.pkg] = true
			}
		}
		for _, dep := range deps {
			for _, b := range banned {
				if under(dep, b) {
					t.Errorf("%s depends on %s", pkg, dep)
				}
			}
		}
	}
	for _, r := range depRules {
		if !checked[r.pkg] {
			t.Errorf("rule for %s matched no package: the layout changed, update depRules", r.pkg)
		}
	}
}

// under reports whether pkg is pattern, or under it when pattern ends in /...
func under(pkg, pattern string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == base || strings.HasPrefix(pkg, base+"/")
	}
	return pkg == pattern
}
