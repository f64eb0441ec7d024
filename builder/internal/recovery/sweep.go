// Package recovery owns crash recovery: the journal each build writes on
// tmpfs (what the store held when it began) and the sweep every build and
// `hush prune` run first, which ends a dead build's running steps and
// removes its containers, the images and layers it committed that the
// guard never vouched for, layer directories storage lost the record of,
// and its tmpfs directory (container mode's leftovers through cmode.Sweep,
// what it made outside that directory through leftover.Sweep).
//
// It must not import builder (Prune there opens the store and hands it
// in), nor the guard or the caches.
package recovery

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/hushbuild/hush/builder/internal/cmode"
	"github.com/hushbuild/hush/builder/internal/leftover"
	"github.com/hushbuild/hush/builder/internal/rundir"
	"golang.org/x/sys/unix"

	"go.podman.io/storage"
)

// ContainerPrefix marks the containers hush's builds create; the owner tag
// follows, so a sweep can tell a live build's containers from a dead one's.
const ContainerPrefix = "hush-"

// Swept is what a sweep removed.
type Swept struct {
	Containers int // build containers of dead hush processes
	Images     int // images dead builds committed and never vouched for
	Layers     int // layers dead builds committed that no image or container uses
	LayerDirs  int // layer directories storage keeps no record of
	Processes  int // RUN steps of dead builds still running
	Dirs       int // tmpfs build directories
	Temps      int // unpacked stdin contexts and partial outputs (builder/internal/leftover)
}

// deadBuild is the directory of a build whose process is gone.
type deadBuild struct {
	dir     string
	journal *journal // nil: it wrote none, or of another store
	keep    bool     // keep its journal: its store is not swept yet
}

// Sweep is the pass every build makes first. layerDirs also looks for layer
// directories storage keeps no record of (sweeplayers.go): `hush prune`
// always does; a build only when it found a dead build to clean up after,
// so a build's start-up does not list every layer directory of the store,
// and a directory another tool's layer owns is never put at risk by the
// builds of a store no hush was killed in.
func Sweep(ctx context.Context, store storage.Store, runtime string, layerDirs bool) (Swept, error) {
	var s Swept
	root := store.GraphRoot()
	var dead []*deadBuild
	var deadProcs []string
	var deadJ, live []*journal
	if base, err := rundir.TmpfsBase(); err == nil {
		entries, _ := os.ReadDir(base)
		for _, e := range entries {
			if !e.IsDir() {
				continue
			}
			pdir := filepath.Join(base, e.Name())
			alive := rundir.OwnerAlive(dirOwner(e.Name()))
			// One journal per build (rundir.go's layout), or one at
			// the top from an older hush.
			for _, dir := range rundir.BuildDirs(pdir) {
				j, journaled := readJournal(dir)
				if alive {
					if journaled && j.of(root) {
						live = append(live, j)
					}
					continue
				}
				d := &deadBuild{dir: dir}
				// Before anything clears the directory: its list of
				// what the build made outside it.
				s.Temps += leftover.Sweep(dir)
				switch {
				case journaled && j.of(root):
					d.journal = j
					deadJ = append(deadJ, j)
				case journaled && !j.storeGone():
					// Another store's: the next hush on that store sweeps it.
					d.keep = true
				}
				dead = append(dead, d)
			}
			if alive {
				continue
			}
			// Its steps end and its mounts go before its containers.
			s.Processes += killBundles(ctx, runtime, pdir)
			unmountUnder(pdir)
			deadProcs = append(deadProcs, pdir)
		}
	}
	s.Dirs += cmode.Sweep(store) // container isolation
	ctrs, err := store.Containers()
	if err != nil {
		return s, fmt.Errorf("listing containers: %w", err)
	}
	var firstErr error
	for _, c := range ctrs {
		tag, ok := buildOwner(c.Names)
		if !ok || rundir.OwnerAlive(tag) {
			continue
		}
		_, _ = store.Unmount(c.ID, true)
		if err := store.DeleteContainer(c.ID); err != nil {
			firstErr = cmp.Or(firstErr, fmt.Errorf("removing container %.12s of a dead build: %w", c.ID, err))
			continue
		}
		s.Containers++
	}
	// After the containers: an image or layer a container uses cannot go.
	if len(deadJ) > 0 {
		ni, nl, err := removeCommitted(store, deadJ, live)
		s.Images, s.Layers = ni, nl
		firstErr = cmp.Or(firstErr, err)
		c, err := readContents(store)
		for _, d := range dead {
			// Kept until nothing it may have made is left, so a sweep
			// that could not finish, or spared a live build's work,
			// leaves it to the next.
			if d.journal != nil && (err != nil || !settled(c, d.journal)) {
				d.keep = true
			}
		}
	}
	// Last: what the passes above, which work through storage, cannot see.
	if layerDirs || len(deadProcs) > 0 {
		nd, err := sweepLayerDirs(store)
		s.LayerDirs = nd
		firstErr = cmp.Or(firstErr, err)
	}
	kept := map[string]bool{}
	for _, d := range dead {
		if d.keep {
			clearExcept(d.dir, journalFile)
			kept[d.dir] = true
		}
	}
	// A dead process's directory goes but for the builds kept above.
	for _, pdir := range deadProcs {
		if kept[pdir] {
			continue // an older hush's build, journal at the top: cleared
		}
		entries, _ := os.ReadDir(pdir)
		left := false
		for _, e := range entries {
			if p := filepath.Join(pdir, e.Name()); kept[p] {
				left = true
			} else {
				_ = os.RemoveAll(p)
			}
		}
		if !left && os.RemoveAll(pdir) == nil {
			s.Dirs++
		}
	}
	return s, firstErr
}

// removeCommitted deletes what the dead builds committed and the guard
// never vouched for: their unnamed images (with the layers no other image
// uses), then the layers left that nothing uses (a layer committed just
// before its build died, not yet an image).
func removeCommitted(store storage.Store, dead, live []*journal) (images, layers int, err error) {
	c, err := readContents(store)
	if err != nil {
		return 0, 0, err
	}
	var firstErr error
	for _, id := range unvouched(c, dead, live) {
		// One that cannot go must not keep the others.
		if _, err := store.DeleteImage(id, true); err != nil {
			firstErr = cmp.Or(firstErr, fmt.Errorf("removing image %.12s of a dead build: %w", id, err))
			continue
		}
		images++
	}
	if c, err = readContents(store); err != nil {
		return images, 0, cmp.Or(firstErr, err)
	}
	for _, id := range orphans(c, dead, live) {
		if err := store.DeleteLayer(id); err != nil {
			firstErr = cmp.Or(firstErr, fmt.Errorf("removing layer %.12s of a dead build: %w", id, err))
			continue
		}
		layers++
	}
	return images, layers, firstErr
}

// clearExcept empties dir but for the file keep.
func clearExcept(dir, keep string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != keep {
			_ = os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}

// dirOwner is the owner tag a build directory's name starts with:
// <pid>-<start>, alone or followed by -<suffix> when a process runs
// several builds, each with a directory of its own.
func dirOwner(name string) string {
	parts := strings.SplitN(name, "-", 3)
	if len(parts) < 2 {
		return name
	}
	return parts[0] + "-" + parts[1]
}

// buildOwner finds the owner tag in a container's name, which buildah
// forms as <image>-<suffix>; our suffix is hush-<pid>-<start>.
func buildOwner(names []string) (string, bool) {
	for _, n := range names {
		i := strings.LastIndex(n, ContainerPrefix)
		if i < 0 {
			continue
		}
		// buildah may append -N to keep names unique.
		parts := strings.SplitN(n[i+len(ContainerPrefix):], "-", 3)
		if len(parts) >= 2 && parts[0] != "" && parts[1] != "" {
			return parts[0] + "-" + parts[1], true
		}
	}
	return "", false
}

// unmountUnder detaches what a dead build left mounted in its directory
// (buildah overlays the build context there); as root such mounts outlive
// the process, and RemoveAll cannot pass them.
func unmountUnder(dir string) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return
	}
	var points []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && (f[4] == dir || strings.HasPrefix(f[4], dir+"/")) {
			points = append(points, f[4])
		}
	}
	// Deepest first, so parents are free when their turn comes.
	sort.Slice(points, func(i, j int) bool { return len(points[i]) > len(points[j]) })
	for _, m := range points {
		_ = unix.Unmount(m, unix.MNT_DETACH)
	}
}

// killBundles ends the runtime containers whose OCI bundles a dead build
// left in its directory; buildah names them buildah-<bundle dir name>.
func killBundles(ctx context.Context, runtime, dir string) int {
	if runtime == "" {
		return 0
	}
	n := 0
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "config.json" {
			return nil
		}
		name := "buildah-" + filepath.Base(filepath.Dir(p))
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if exec.CommandContext(cctx, runtime, "delete", "--force", name).Run() == nil {
			n++
		}
		return nil
	})
	return n
}
