package cmode

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/openshift/imagebuilder"
	"golang.org/x/sys/unix"
)

// trash takes what a stage's / must lose (the last stage's base before the
// next one is extracted, the steps' changes when the build ends) off the
// critical path: the entries are renamed into a directory of the staging
// area, on the ignore list and on the same filesystem as / when the store
// is in the container's own root, and deleted there in the background
// while the build goes on. wait, registered with Job.Defer, holds the end
// of the build until they are gone (a step's copy of a secret must not
// outlive it); a kill leaves them to the sweep, with the staging area.
type trash struct {
	dir string // the staging directory
	n   int    // entries moved so far: their names in the current bin
	wg  sync.WaitGroup
	mu  sync.Mutex // one deletion at a time: they compete for one disk
}

// bin makes a fresh directory for one batch of entries.
func (t *trash) bin() (string, error) {
	d, err := os.MkdirTemp(t.dir, "trash-")
	if err != nil {
		return "", fmt.Errorf("trash: %w", err)
	}
	return d, nil
}

// drop deletes bin in the background.
func (t *trash) drop(bin string) {
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		t.mu.Lock()
		defer t.mu.Unlock()
		_ = os.RemoveAll(bin)
	}()
}

func (t *trash) wait() { t.wg.Wait() }

// clearRoot empties root as clearRoot does, moving instead of deleting.
func (t *trash) clearRoot(root string, l *ignoreList) error {
	bin, err := t.bin()
	if err != nil {
		return clearRoot(root, l)
	}
	defer t.drop(bin)
	return clearWith(root, l, func(path string, isDir bool) error { return t.move(path, isDir, bin) })
}

// removeAll moves each path (absolute, holding no ignored path) into one
// bin.
func (t *trash) removeAll(paths []string) error {
	bin, err := t.bin()
	if err != nil {
		var errs []error
		for _, p := range paths {
			errs = append(errs, os.RemoveAll(p))
		}
		return errors.Join(errs...)
	}
	defer t.drop(bin)
	var errs []error
	for _, p := range paths {
		fi, err := os.Lstat(p)
		if err != nil {
			continue
		}
		errs = append(errs, t.move(p, fi.IsDir(), bin))
	}
	return errors.Join(errs...)
}

// move renames path into bin; where rename cannot (another filesystem, or
// a directory overlayfs keeps in a lower layer, EXDEV) a directory goes
// entry by entry and anything else is deleted in place.
func (t *trash) move(path string, isDir bool, bin string) error {
	if err := t.moveOut(path, isDir, bin); err != nil {
		return err
	}
	// fuse-overlayfs (the Docker engine's driver where it has no kernel
	// overlay) can leave no whiteout where it renamed or removed a
	// directory made over a deleted lower entry: the image's own entry
	// (hush's image links /root -> /hush/root/root) shows again. Deleting
	// it in place hides it for good.
	if _, err := os.Lstat(path); err == nil {
		return os.RemoveAll(path)
	}
	return nil
}

func (t *trash) moveOut(path string, isDir bool, bin string) error {
	t.n++
	err := os.Rename(path, filepath.Join(bin, strconv.Itoa(t.n)))
	if err == nil || errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if !errors.Is(err, unix.EXDEV) || !isDir {
		return os.RemoveAll(path)
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return os.RemoveAll(path)
	}
	for _, e := range entries {
		if err := t.move(filepath.Join(path, e.Name()), e.IsDir(), bin); err != nil {
			return err
		}
	}
	return os.Remove(path)
}

// keepableStages marks the stages, all but the last, that no later stage
// names in FROM: COPY --from is all that reads them. keep is false where
// / and the staging area are on different filesystems (the store on a
// volume): moving a stage aside would copy it.
func keepableStages(stages imagebuilder.Stages, froms []string, keep bool) []bool {
	out := make([]bool, len(stages))
	if !keep {
		return out
	}
	for i := range stages[:len(stages)-1] {
		out[i] = true
	}
	for k := range stages {
		if i, ok := stageIndex(stages[:k], froms[k]); ok {
			out[i] = false
		}
	}
	return out
}

// canKeep reports whether dir is on the filesystem of /.
func canKeep(dir string) bool {
	var a, b unix.Stat_t
	return unix.Stat("/", &a) == nil && unix.Stat(dir, &b) == nil && a.Dev == b.Dev
}

// keep moves root's tree but ignored paths into a new directory of the
// staging area, paths kept, and returns it: a stage's filesystem for COPY
// --from, at the cost of renames. Directories holding ignored paths (and
// those overlayfs cannot rename, EXDEV) are made anew with their mode and
// owner, their entries moved one by one.
func (t *trash) keep(root string, l *ignoreList) (string, error) {
	dir, err := os.MkdirTemp(t.dir, "stage-")
	if err != nil {
		return "", fmt.Errorf("keeping the stage: %w", err)
	}
	var move func(rel string, walkOnly bool) error
	move = func(rel string, walkOnly bool) error {
		src, dst := filepath.Join(root, rel), filepath.Join(dir, rel)
		if !walkOnly {
			err := os.Rename(src, dst)
			if err == nil || errors.Is(err, os.ErrNotExist) {
				return nil
			}
			if !errors.Is(err, unix.EXDEV) {
				return err
			}
		}
		var st unix.Stat_t
		if err := unix.Lstat(src, &st); err != nil {
			return err
		}
		if st.Mode&unix.S_IFMT != unix.S_IFDIR {
			return fmt.Errorf("moving %s: %w", rel, unix.EXDEV)
		}
		if rel != "/" {
			if err := os.Mkdir(dst, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
				return err
			}
			if err := os.Lchown(dst, int(st.Uid), int(st.Gid)); err != nil {
				return err
			}
			if err := unix.Chmod(dst, st.Mode&0o7777); err != nil {
				return err
			}
		}
		entries, err := os.ReadDir(src)
		if err != nil {
			return err
		}
		for _, e := range entries {
			p := filepath.Join(rel, e.Name())
			switch {
			case l.ignored(p):
			case e.IsDir() && l.holds(p):
				if err := move(p, true); err != nil {
					return err
				}
			default:
				if err := move(p, false); err != nil {
					return err
				}
			}
		}
		if !walkOnly {
			return os.Remove(src)
		}
		return nil
	}
	if err := move("/", true); err != nil {
		t.drop(dir)
		return "", fmt.Errorf("keeping the stage: %w", err)
	}
	return dir, nil
}
