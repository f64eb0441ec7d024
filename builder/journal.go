package builder

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"go.podman.io/storage"
)

// A build commits images before the guard has looked at them: each stage's
// image, and with --layers one per instruction. Until the guard vouches for
// them (and the build tags the final one) they may hold a secret a step
// copied, on persistent disk. A build killed in that window cannot remove
// them itself, and storage does not say who made an unnamed image; so every
// build writes, in its tmpfs directory, the images storage held when it
// began, and the sweep that finds the build dead removes the unnamed images
// that appeared since.
//
// An image a live hush build may have made is spared: one missing from that
// build's own journal. Images other tools commit without a name during the
// lifetime of a hush build that is killed are removed too: that is the
// price of failing closed.

// journalFile is the journal's name inside a build's directory.
const journalFile = "images-before.json"

// writeJournal records the images of before in dir.
func writeJournal(dir string, before snapshot) error {
	ids := make([]string, 0, len(before.images))
	for id := range before.images {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	b, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, journalFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("writing the build journal: %w", err)
	}
	// Renamed into place: a sweep never reads half a journal, which would
	// make every image look new.
	if err := os.Rename(tmp, filepath.Join(dir, journalFile)); err != nil {
		return fmt.Errorf("writing the build journal: %w", err)
	}
	return nil
}

// readJournal returns the image ids a build's journal lists; ok is false
// when the build wrote none (it died before it began, or is starting).
func readJournal(dir string) (ids map[string]bool, ok bool) {
	b, err := os.ReadFile(filepath.Join(dir, journalFile))
	if err != nil {
		return nil, false
	}
	var list []string
	if json.Unmarshal(b, &list) != nil {
		return nil, false
	}
	ids = make(map[string]bool, len(list))
	for _, id := range list {
		ids[id] = true
	}
	return ids, true
}

// removeUnvouched deletes the unnamed images that appeared during a dead
// build (absent from one of dead) and that no live build may have made
// (present in every one of live), with the layers no other image uses.
func removeUnvouched(store storage.Store, dead, live []map[string]bool) (int, error) {
	if len(dead) == 0 {
		return 0, nil
	}
	images, err := store.Images()
	if err != nil {
		return 0, fmt.Errorf("listing images: %w", err)
	}
	n := 0
	var firstErr error
	for _, id := range unvouched(images, dead, live) {
		// One that cannot go (a container uses it) must not keep the
		// others.
		if _, err := store.DeleteImage(id, true); err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("removing image %.12s of a dead build: %w", id, err)
			}
			continue
		}
		n++
	}
	return n, firstErr
}

// unvouched picks, from images, the ids removeUnvouched deletes.
func unvouched(images []storage.Image, dead, live []map[string]bool) []string {
	var ids []string
	for _, img := range images {
		// New to some dead build, and no live build may have made it.
		if len(img.Names) == 0 && !inAll(img.ID, dead) && inAll(img.ID, live) {
			ids = append(ids, img.ID)
		}
	}
	return ids
}

// inAll: every journal lists id, so no build among them made it.
func inAll(id string, journals []map[string]bool) bool {
	for _, before := range journals {
		if !before[id] {
			return false
		}
	}
	return true
}
