package recovery

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"go.podman.io/storage"
)

// layerDirID is the name storage gives a layer's directory: its id.
var layerDirID = regexp.MustCompile(`^[0-9a-f]{64}$`)

// layerDirsHome is where the store's driver keeps one directory per layer,
// or "" for a driver whose layout the sweep does not know.
func layerDirsHome(store storage.Store) string {
	switch d := store.GraphDriverName(); d {
	case "overlay":
		return filepath.Join(store.GraphRoot(), d)
	case "vfs":
		return filepath.Join(store.GraphRoot(), d, "dir")
	}
	return ""
}

// sweepLayerDirs removes the layer directories storage keeps no record
// of: a diff a killed build wrote (a RUN step's copy of a secret, or the
// layer committed from it) whose record is gone while its directory
// stayed. Storage neither lists nor deletes such a directory, so the
// sweep's other passes, which work through storage, never see it.
//
// Storage saves a layer's record before it makes the directory and drops
// it only after moving the directory aside (layers.go's create and
// internalDelete), both under its layer lock; so a directory that was
// there before a listing of the records that lacks it belongs to no
// layer, of this process or any other, live or dead. The one race left,
// another process making a layer of that very id between the listing and
// the removal (ids of image layers repeat), is narrowed by moving the
// directory aside first and putting it back if a second listing shows
// the layer.
func sweepLayerDirs(store storage.Store) (int, error) {
	home := layerDirsHome(store)
	if home == "" {
		return 0, nil
	}
	entries, err := os.ReadDir(home)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return 0, nil
		}
		return 0, fmt.Errorf("listing layer directories: %w", err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() && layerDirID.MatchString(e.Name()) {
			dirs = append(dirs, e.Name())
		}
	}
	if len(dirs) == 0 {
		return 0, nil
	}
	recorded, err := layerIDs(store)
	if err != nil {
		return 0, err
	}
	var stray []string
	for _, id := range dirs {
		if !recorded[id] {
			stray = append(stray, id)
		}
	}
	if len(stray) == 0 {
		return 0, nil
	}
	// Aside into a directory of storage's staged deletions (tempdirs),
	// named as its own are: should this process die before removing it,
	// the next process to open the store removes it (nobody holds its
	// lock).
	aside, err := os.MkdirTemp(filepath.Join(store.GraphRoot(), store.GraphDriverName(), "tempdirs"), "temp-dir-hush")
	if errors.Is(err, os.ErrNotExist) {
		if err = os.MkdirAll(filepath.Join(store.GraphRoot(), store.GraphDriverName(), "tempdirs"), 0o700); err == nil {
			aside, err = os.MkdirTemp(filepath.Join(store.GraphRoot(), store.GraphDriverName(), "tempdirs"), "temp-dir-hush")
		}
	}
	if err != nil {
		return 0, fmt.Errorf("staging unrecorded layer directories: %w", err)
	}
	defer func() { _ = os.RemoveAll(aside) }()
	var moved []string
	var firstErr error
	for _, id := range stray {
		dir := filepath.Join(home, id)
		// A killed build's mount of it (as root such mounts outlive the
		// process): RemoveAll would descend into it.
		unmountUnder(dir)
		if err := os.Rename(dir, filepath.Join(aside, id)); err != nil {
			if !errors.Is(err, os.ErrNotExist) { // gone meanwhile: storage deleted it
				firstErr = cmp.Or(firstErr, fmt.Errorf("moving unrecorded layer directory %.12s aside: %w", id, err))
			}
			continue
		}
		moved = append(moved, id)
	}
	if len(moved) == 0 {
		return 0, firstErr
	}
	recorded, err = layerIDs(store)
	if err != nil {
		// Unsure whether one became a layer meanwhile: put them all back
		// for the next sweep.
		for _, id := range moved {
			_ = os.Rename(filepath.Join(aside, id), filepath.Join(home, id))
		}
		return 0, cmp.Or(firstErr, err)
	}
	n := 0
	for _, id := range moved {
		if recorded[id] {
			// Made meanwhile by another process (its directory was just
			// being created): its own again.
			_ = os.Rename(filepath.Join(aside, id), filepath.Join(home, id))
			continue
		}
		if err := os.RemoveAll(filepath.Join(aside, id)); err != nil {
			firstErr = cmp.Or(firstErr, fmt.Errorf("removing unrecorded layer directory %.12s: %w", id, err))
			continue
		}
		n++
	}
	return n, firstErr
}

// layerIDs is the set of layers storage records, read fresh under its lock.
func layerIDs(store storage.Store) (map[string]bool, error) {
	ls, err := store.Layers()
	if err != nil {
		return nil, fmt.Errorf("listing layers: %w", err)
	}
	ids := make(map[string]bool, len(ls))
	for _, l := range ls {
		ids[l.ID] = true
	}
	return ids, nil
}
