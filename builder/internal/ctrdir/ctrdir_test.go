package ctrdir

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"go.podman.io/storage"
)

// fakeStore answers the two calls store overrides; any other call
// panics (nil embedded interface), which the test would show.
type fakeStore struct {
	storage.Store
	next int
}

func (f *fakeStore) CreateContainer(string, []string, string, string, string, *storage.ContainerOptions) (*storage.Container, error) {
	f.next++
	return &storage.Container{ID: "ctr" + strconv.Itoa(f.next), Names: []string{"busybox-working-container"}}, nil
}

func (f *fakeStore) ContainerDirectory(id string) (string, error) { return "/graphroot/" + id, nil }

func (f *fakeStore) DeleteContainer(string) error { return nil }

func TestStoreMovesOnlyItsContainers(t *testing.T) {
	dir := t.TempDir()
	s := newStore(&fakeStore{}, dir)
	c, err := s.CreateContainer("", nil, "", "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.ContainerDirectory(c.ID)
	if err != nil || got != filepath.Join(dir, c.ID) {
		t.Errorf("ContainerDirectory(own) = %q, %v; want %q", got, err, filepath.Join(dir, c.ID))
	}
	if fi, err := os.Stat(got); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("own container directory: %v, %v; want a 0700 directory", fi, err)
	}
	if err := s.SetContainerDirectoryFile(c.ID, "secrets/x", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if b, err := s.FromContainerDirectory(c.ID, "secrets/x"); err != nil || string(b) != "v" {
		t.Errorf("FromContainerDirectory = %q, %v", b, err)
	}
	if byName, _ := s.ContainerDirectory("busybox-working-container"); byName != got {
		t.Errorf("ContainerDirectory(own name) = %q, want %q (buildah asks by name too)", byName, got)
	}
	if got, _ := s.ContainerDirectory("someone-elses"); got != "/graphroot/someone-elses" {
		t.Errorf("ContainerDirectory(other) = %q, want the real store's", got)
	}
	if err := s.DeleteContainer(c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, c.ID)); !os.IsNotExist(err) {
		t.Errorf("the container's tmpfs directory outlived DeleteContainer: %v", err)
	}
}
