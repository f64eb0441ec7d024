package builder

import (
	"slices"
	"testing"

	"go.podman.io/storage"
)

func TestJournalRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if _, ok := readJournal(dir); ok {
		t.Fatal("a directory with no journal reads as journaled")
	}
	if err := writeJournal(dir, snapshot{images: map[string]bool{"a": true, "b": true}}); err != nil {
		t.Fatal(err)
	}
	got, ok := readJournal(dir)
	if !ok || len(got) != 2 || !got["a"] || !got["b"] {
		t.Fatalf("readJournal = %v, %v; want {a, b}, true", got, ok)
	}
}

func TestUnvouched(t *testing.T) {
	set := func(ids ...string) map[string]bool {
		m := map[string]bool{}
		for _, id := range ids {
			m[id] = true
		}
		return m
	}
	images := []storage.Image{
		{ID: "base", Names: []string{"localhost/busybox:latest"}},
		{ID: "old"},   // there before every build
		{ID: "leaky"}, // made by the dead build
		{ID: "tagged", Names: []string{"localhost/app:1"}}, // the dead build finished tagging it
		{ID: "mine"}, // made by a live build after it began
	}
	dead := []map[string]bool{set("base", "old")}
	live := []map[string]bool{set("base", "old", "leaky", "tagged")}
	tests := []struct {
		name       string
		dead, live []map[string]bool
		want       []string
	}{
		{"no dead build", nil, live, nil},
		{"dead build, no live one", dead, nil, []string{"leaky", "mine"}},
		{"a live build's new image is spared", dead, live, []string{"leaky"}},
	}
	for _, tt := range tests {
		if got := unvouched(images, tt.dead, tt.live); !slices.Equal(got, tt.want) {
			t.Errorf("%s: unvouched = %v, want %v", tt.name, got, tt.want)
		}
	}
}
