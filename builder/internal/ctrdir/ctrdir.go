// Package ctrdir keeps the container directories of one build's own
// containers in the build's tmpfs directory: it wraps the store buildah
// sees during a build with secrets.
//
// It owns that wrapper only. It must not import builder, another builder
// subsystem, secrets, audit or internal/...: it knows storage and paths.
package ctrdir

import (
	"os"
	"path/filepath"
	"sync"

	"go.podman.io/storage"
	"go.podman.io/storage/pkg/ioutils"
)

// store is the store buildah sees during one build with secrets.
//
// buildah copies a secret into the container directory of the RUN step's
// container (store.ContainerDirectory, under storage's graph root: on
// persistent disk) before bind-mounting it, and keeps buildah.json, hosts,
// resolv.conf and COPY --link staging there too. store gives each
// container this build creates a directory inside the build's tmpfs
// directory instead, so those copies stay in memory and go with the build;
// every other call, and every other container, is the real store's.
// storage itself never asks for the directory, so nothing else moves.
type store struct {
	storage.Store
	dir string // <build dir>/containers

	mu   sync.Mutex
	ours map[string]string // id or name -> id, of the containers this build created
}

// Wrap returns s with the container directories of the containers
// created through it under dir (<build dir>/containers).
func Wrap(s storage.Store, dir string) storage.Store {
	return newStore(s, dir)
}

func newStore(s storage.Store, dir string) *store {
	return &store{Store: s, dir: dir, ours: map[string]string{}}
}

// CreateContainer notes the containers the build creates.
func (s *store) CreateContainer(id string, names []string, image, layer, metadata string, options *storage.ContainerOptions) (*storage.Container, error) {
	c, err := s.Store.CreateContainer(id, names, image, layer, metadata, options)
	if err == nil {
		s.mu.Lock()
		// buildah asks by id, and in places by name (run_common.go's
		// commit exclusions use b.Container).
		s.ours[c.ID] = c.ID
		for _, n := range c.Names {
			s.ours[n] = c.ID
		}
		s.mu.Unlock()
	}
	return c, err
}

// ContainerDirectory is <build dir>/containers/<id> for the build's own
// containers.
func (s *store) ContainerDirectory(id string) (string, error) {
	cid, ok := s.own(id)
	if !ok {
		return s.Store.ContainerDirectory(id)
	}
	d := filepath.Join(s.dir, cid)
	if err := os.MkdirAll(d, 0o700); err != nil {
		return "", err
	}
	return d, nil
}

// SetContainerDirectoryFile and FromContainerDirectory follow
// ContainerDirectory (the real store's would use its own).
func (s *store) SetContainerDirectoryFile(id, file string, data []byte) error {
	if _, ok := s.own(id); !ok {
		return s.Store.SetContainerDirectoryFile(id, file, data)
	}
	d, err := s.ContainerDirectory(id)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(filepath.Join(d, file)), 0o700); err != nil {
		return err
	}
	return ioutils.AtomicWriteFile(filepath.Join(d, file), data, 0o600)
}

func (s *store) FromContainerDirectory(id, file string) ([]byte, error) {
	if _, ok := s.own(id); !ok {
		return s.Store.FromContainerDirectory(id, file)
	}
	d, err := s.ContainerDirectory(id)
	if err != nil {
		return nil, err
	}
	return os.ReadFile(filepath.Join(d, file))
}

// DeleteContainer removes the container's tmpfs directory with it.
func (s *store) DeleteContainer(id string) error {
	err := s.Store.DeleteContainer(id)
	if cid, ok := s.own(id); err == nil && ok {
		_ = os.RemoveAll(filepath.Join(s.dir, cid))
	}
	return err
}

// own resolves an id or name of one of the build's containers to its id.
func (s *store) own(idOrName string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.ours[idOrName]
	return id, ok
}
