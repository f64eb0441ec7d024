package recovery

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hushbuild/hush/builder/internal/storestate"
	"go.podman.io/storage"
)

func TestJournalRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if _, ok := readJournal(dir); ok {
		t.Fatal("a directory with no journal reads as journaled")
	}
	before := storestate.Snapshot{Images: map[string]bool{"a": true, "b": true}, Layers: map[string]bool{"l1": true}}
	if err := WriteJournal(dir, "/store/root/", before); err != nil {
		t.Fatal(err)
	}
	j, ok := readJournal(dir)
	if !ok || len(j.images) != 2 || !j.images["a"] || !j.images["b"] || len(j.layers) != 1 || !j.layers["l1"] {
		t.Fatalf("readJournal = %+v, %v; want images {a, b}, layers {l1}", j, ok)
	}
	if !j.of("/store/root") || j.of("/other") {
		t.Errorf("journal of %q: of(/store/root) = %v, of(/other) = %v", j.Store, j.of("/store/root"), j.of("/other"))
	}
	if !j.storeGone() {
		t.Error("a journal of a store that does not exist: storeGone = false")
	}
	// A journal of the format before layers were noted (a bare list)
	// reads as none: its build's layers are unknown.
	if err := os.WriteFile(filepath.Join(dir, journalFile), []byte(`["a","b"]`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ok := readJournal(dir); ok {
		t.Error("a bare image list reads as a journal")
	}
}

// The store of the tests: a named base, an old unnamed image, and what a
// dead build and a live one committed since they began.
//
//	base  <- old
//	base  <- leaky (image "leaky") <- step2 (no image: killed mid-commit)
//	base  <- tagged (image named by the dead build once vouched)
//	base  <- mine (image of a live build) ; base <- minectr (its container's)
//	base  <- pending (a live build's layer, not yet an image)
//	base  <- podman (an unnamed image a container of another tool runs)
//	base  <- cut (image "cut" under buildah's temporary name: killed
//	         between its commit and the name's removal)
func testContents() contents {
	layers := []storage.Layer{
		{ID: "L-base"}, {ID: "L-old", Parent: "L-base"},
		{ID: "L-leaky", Parent: "L-base"}, {ID: "L-step2", Parent: "L-leaky"}, {ID: "L-step3", Parent: "L-step2"},
		{ID: "L-tagged", Parent: "L-base"}, {ID: "L-mine", Parent: "L-base"}, {ID: "L-minectr", Parent: "L-mine"},
		{ID: "L-pending", Parent: "L-base"}, {ID: "L-podman", Parent: "L-base"}, {ID: "L-podmanctr", Parent: "L-podman"},
		{ID: "L-cut", Parent: "L-base"},
	}
	images := []storage.Image{
		{ID: "base", Names: []string{"localhost/busybox:latest"}, TopLayer: "L-base"},
		{ID: "old", TopLayer: "L-old"},
		{ID: "leaky", TopLayer: "L-leaky"},
		{ID: "tagged", Names: []string{"localhost/app:1"}, TopLayer: "L-tagged"},
		{ID: "mine", TopLayer: "L-mine"},
		{ID: "podman", TopLayer: "L-podman"},
		{ID: "cut", Names: []string{"docker.io/library/" + strings.Repeat("0f", 32) + "-tmp:latest"}, TopLayer: "L-cut"},
	}
	c := contents{images: images, layers: layers, used: map[string]bool{}, run: map[string]bool{"mine": true, "podman": true}}
	for _, id := range []string{"L-base", "L-old", "L-leaky", "L-tagged", "L-mine", "L-minectr", "L-podman", "L-podmanctr", "L-cut"} {
		c.used[id] = true
	}
	return c
}

func journalOf(images, layers []string) *journal {
	return &journal{images: setOf(images), layers: setOf(layers)}
}

func TestUnvouchedAndOrphans(t *testing.T) {
	c := testContents()
	dead := []*journal{journalOf([]string{"base", "old"}, []string{"L-base", "L-old"})}
	// The live build began after the dead one's first commits.
	live := []*journal{journalOf([]string{"base", "old", "leaky", "tagged", "podman"},
		[]string{"L-base", "L-old", "L-leaky", "L-step2", "L-step3", "L-tagged", "L-podman", "L-podmanctr"})}
	tests := []struct {
		name         string
		dead, live   []*journal
		images, lays []string
	}{
		{"no dead build", nil, live, nil, nil},
		// "mine" and "podman" are spared for their containers; the
		// pending layer only if its live build is journaled.
		{"dead build, no live one", dead, nil, []string{"leaky", "cut"}, []string{"L-step3", "L-pending", "L-step2"}},
		{"a live build's new work is spared", dead, live, []string{"leaky"}, []string{"L-step3", "L-step2"}},
	}
	for _, tt := range tests {
		if got := unvouched(c, tt.dead, tt.live); !slices.Equal(got, tt.images) {
			t.Errorf("%s: unvouched = %v, want %v", tt.name, got, tt.images)
		}
		got := orphans(c, tt.dead, tt.live)
		if !slices.Equal(sorted(got), sorted(tt.lays)) {
			t.Errorf("%s: orphans = %v, want %v", tt.name, got, tt.lays)
		}
		// Children first: storage refuses a layer with children.
		if i, j := slices.Index(got, "L-step3"), slices.Index(got, "L-step2"); j >= 0 && i > j {
			t.Errorf("%s: orphans = %v: L-step2 before its child L-step3", tt.name, got)
		}
	}
}

func TestSettled(t *testing.T) {
	c := testContents()
	dead := journalOf([]string{"base", "old"}, []string{"L-base", "L-old"})
	if settled(c, dead) {
		t.Error("settled with the dead build's leaky image and orphan layers still there")
	}
	// What is left once the sweep removed them: only what is used or named.
	c.images = slices.DeleteFunc(c.images, func(i storage.Image) bool { return i.ID == "leaky" })
	c.layers = slices.DeleteFunc(c.layers, func(l storage.Layer) bool {
		return l.ID == "L-leaky" || l.ID == "L-step2" || l.ID == "L-step3" || l.ID == "L-pending"
	})
	if settled(c, dead) {
		t.Error("settled with the image a kill left under buildah's temporary name still there")
	}
	c.images = slices.DeleteFunc(c.images, func(i storage.Image) bool { return i.ID == "cut" })
	c.layers = slices.DeleteFunc(c.layers, func(l storage.Layer) bool { return l.ID == "L-cut" })
	if !settled(c, dead) {
		t.Error("not settled, with nothing but named or used images and layers left")
	}
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

func TestDirOwner(t *testing.T) {
	for in, want := range map[string]string{"123-456": "123-456", "123-456-b2": "123-456", "123-456-b-c": "123-456", "odd": "odd"} {
		if got := dirOwner(in); got != want {
			t.Errorf("dirOwner(%q) = %q, want %q", in, got, want)
		}
	}
}
