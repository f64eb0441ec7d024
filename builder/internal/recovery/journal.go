package recovery

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/hushbuild/hush/builder/internal/storestate"
	"go.podman.io/storage"
)

// A build commits before the guard has looked at what it committed: each
// stage's image, with --layers one per instruction, and the layers under
// them, each written as a layer first and made an image a moment later.
// Until the guard vouches for them (and the build tags the final image)
// they may hold a secret a step copied, on persistent disk. A build killed
// in that window cannot remove them itself, and storage does not say who
// made an unnamed image or a layer no image uses; so every build writes,
// in its tmpfs directory, the store it uses and the images and layers that
// store held when it began. The sweep that finds the build dead removes,
// from that store, the unnamed images (buildah's temporary commit name
// counts as none) and the layers no image or container uses that appeared
// since.
//
// What a live hush build on the same store may have made is spared: an
// image or layer missing from that build's own journal. Unnamed images and
// unused layers other tools make during the lifetime of a hush build that
// is killed are removed too (a podman commit under way may fail): that is
// the price of failing closed. A dead build's journal stays (alone in its
// directory) until its store holds nothing it may have made: a sweep of
// another store, or one that had to spare something for a live build,
// leaves it for the next.

// journalFile is the journal's name inside a build's directory.
const journalFile = "journal.json"

// journal is what a build noted when it began.
type journal struct {
	Store  string   `json:"store"` // the store's graph root
	Images []string `json:"images"`
	Layers []string `json:"layers"`
	images map[string]bool
	layers map[string]bool
}

// WriteJournal records in dir the images and layers of before, in the
// store whose graph root is root.
func WriteJournal(dir, root string, before storestate.Snapshot) error {
	b, err := json.Marshal(journal{Store: filepath.Clean(root), Images: slices.Sorted(maps.Keys(before.Images)), Layers: slices.Sorted(maps.Keys(before.Layers))})
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, journalFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("writing the build journal: %w", err)
	}
	// Renamed into place: a sweep never reads half a journal, which would
	// make every image and layer look new.
	if err := os.Rename(tmp, filepath.Join(dir, journalFile)); err != nil {
		return fmt.Errorf("writing the build journal: %w", err)
	}
	return nil
}

// readJournal returns a build's journal; ok is false when the build wrote
// none (it died before it began, or is starting).
func readJournal(dir string) (j *journal, ok bool) {
	b, err := os.ReadFile(filepath.Join(dir, journalFile))
	if err != nil {
		return nil, false
	}
	j = &journal{}
	if json.Unmarshal(b, j) != nil || j.Store == "" {
		return nil, false
	}
	j.images, j.layers = setOf(j.Images), setOf(j.Layers)
	return j, true
}

// of reports whether the journal is of the store with graph root root.
func (j *journal) of(root string) bool { return j.Store == filepath.Clean(root) }

// storeGone: the journal's store no longer exists (a removed test store),
// so nothing in it can be left to sweep.
func (j *journal) storeGone() bool {
	_, err := os.Stat(j.Store)
	return os.IsNotExist(err)
}

// contents is what a store holds, as the sweep needs it.
type contents struct {
	images []storage.Image
	layers []storage.Layer
	// used are the layers an image or container stands on, their parents
	// included: never an orphan.
	used map[string]bool
	// run are the images a container (of a live build, or another tool's)
	// was made from: storage will not delete them.
	run map[string]bool
}

func readContents(store storage.Store) (contents, error) {
	var c contents
	var err error
	if c.images, err = store.Images(); err != nil {
		return c, fmt.Errorf("listing images: %w", err)
	}
	if c.layers, err = store.Layers(); err != nil {
		return c, fmt.Errorf("listing layers: %w", err)
	}
	ctrs, err := store.Containers()
	if err != nil {
		return c, fmt.Errorf("listing containers: %w", err)
	}
	parent := make(map[string]string, len(c.layers))
	for _, l := range c.layers {
		parent[l.ID] = l.Parent
	}
	c.used, c.run = map[string]bool{}, map[string]bool{}
	mark := func(id string) {
		for ; id != "" && !c.used[id]; id = parent[id] {
			c.used[id] = true
		}
	}
	for _, img := range c.images {
		mark(img.TopLayer)
		for _, id := range img.MappedTopLayers {
			mark(id)
		}
	}
	for _, ctr := range ctrs {
		mark(ctr.LayerID)
		c.run[ctr.ImageID] = true
	}
	return c, nil
}

// unvouched picks, from c, the unnamed images some dead build may have
// made (absent from its journal) and no live build may have made (present
// in each of their journals).
func unvouched(c contents, dead, live []*journal) []string {
	var ids []string
	for _, img := range c.images {
		if !storestate.Named(img.Names) && !c.run[img.ID] && newTo(dead, img.ID, imagesOf) && inAll(live, img.ID, imagesOf) {
			ids = append(ids, img.ID)
		}
	}
	return ids
}

// orphans picks, from c, the layers no image or container uses that some
// dead build may have made and no live build may have made, children
// before parents (storage refuses to delete a layer with children).
func orphans(c contents, dead, live []*journal) []string {
	doomed := map[string]bool{}
	for _, l := range c.layers {
		if !c.used[l.ID] && newTo(dead, l.ID, layersOf) && inAll(live, l.ID, layersOf) {
			doomed[l.ID] = true
		}
	}
	// A doomed layer's depth among the doomed: leaves have none above them.
	parent := make(map[string]string, len(c.layers))
	for _, l := range c.layers {
		parent[l.ID] = l.Parent
	}
	depth := map[string]int{}
	for id := range doomed {
		d := 0
		for p := parent[id]; p != ""; p = parent[p] {
			d++
		}
		depth[id] = d
	}
	ids := slices.Sorted(maps.Keys(doomed))
	sort.SliceStable(ids, func(a, b int) bool { return depth[ids[a]] > depth[ids[b]] })
	return ids
}

// settled reports whether c holds nothing the dead build j may have made
// and left: no unnamed image and no unused layer new to it. Until then its
// journal is kept.
func settled(c contents, j *journal) bool {
	for _, img := range c.images {
		if !storestate.Named(img.Names) && !c.run[img.ID] && !j.images[img.ID] {
			return false
		}
	}
	for _, l := range c.layers {
		if !c.used[l.ID] && !j.layers[l.ID] {
			return false
		}
	}
	return true
}

func imagesOf(j *journal) map[string]bool { return j.images }
func layersOf(j *journal) map[string]bool { return j.layers }

// newTo: some journal lacks id, so that build may have made it.
func newTo(journals []*journal, id string, of func(*journal) map[string]bool) bool {
	return !inAll(journals, id, of)
}

// inAll: every journal lists id, so no build among them made it.
func inAll(journals []*journal, id string, of func(*journal) map[string]bool) bool {
	for _, j := range journals {
		if !of(j)[id] {
			return false
		}
	}
	return true
}

func setOf(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}
