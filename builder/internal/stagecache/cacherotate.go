package stagecache

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/storage"
	"golang.org/x/crypto/argon2"
)

// deriveRotation is what a rotate=true secret contributes to a build cache
// key: argon2id over the value with the cache's salt, 64 MiB and two passes
// per guess, so a cache key is no cheap oracle for the value. The key
// itself (a sha256 over this and the other inputs) is all that is stored.
func deriveRotation(value, salt []byte) []byte {
	return argon2.IDKey(value, salt, 2, 64*1024, 1, 32)
}

// rotationSalt is the salt of the cache the build uses: a registry cache's
// is derived from its repository name, so every runner that shares the
// cache derives the same key (a random salt would have to travel with the
// cache); the local cache's is 32 random bytes made once per store,
// in GRAPHROOT/hush-cache-salt.
func rotationSalt(store storage.Store, c *Cache) ([]byte, error) {
	var repos []reference.Named
	repos = append(append(repos, c.from...), c.toRefs...)
	if len(repos) > 0 {
		return []byte("hush-rotate-v1 " + repos[0].Name()), nil
	}
	p := filepath.Join(store.GraphRoot(), "hush-cache-salt")
	if b, err := os.ReadFile(p); err == nil && len(b) == 32 {
		return b, nil
	}
	salt := make([]byte, 32)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		// Another build made it first.
		b, err := os.ReadFile(p)
		if err != nil || len(b) != 32 {
			return nil, fmt.Errorf("%s: unreadable or not 32 bytes", p)
		}
		return b, nil
	}
	if err != nil {
		return nil, err
	}
	_, err = f.Write(salt)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(p)
		return nil, err
	}
	return salt, nil
}
