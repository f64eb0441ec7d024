package stagecache

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/hushbuild/hush/builder/internal/storestate"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/storage"
	"go.podman.io/storage/pkg/fileutils"
)

// localImage resolves name as buildah would find it locally: as written,
// under localhost/, or docker's normalized name.
func localImage(store storage.Store, name string) string {
	cands := []string{name}
	if nt, err := storestate.Qualify(name); err == nil {
		cands = append(cands, nt.String())
	}
	if n, err := reference.ParseNormalizedNamed(name); err == nil {
		cands = append(cands, reference.TagNameOnly(n).String())
	}
	for _, c := range cands {
		if img, err := store.Image(c); err == nil {
			return img.ID
		}
	}
	return ""
}

// treeDigest digests a context directory: every path not excluded by its
// .containerignore or .dockerignore, with its type, mode, size, link target
// and content. File times are left out, so a fresh checkout has the same
// digest.
func treeDigest(dir string) (string, error) {
	pm, err := ignoreMatcher(dir)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	err = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel != "." && pm != nil {
			if skip, _ := pm.Matches(rel); skip {
				if fi.IsDir() && !pm.Exclusions() {
					return filepath.SkipDir
				}
				return nil
			}
		}
		fmt.Fprintf(h, "%s\x00%o\x00%d\x00", rel, fi.Mode(), fi.Size())
		switch {
		case fi.Mode()&os.ModeSymlink != 0:
			t, err := os.Readlink(p)
			if err != nil {
				return err
			}
			io.WriteString(h, t)
		case fi.Mode().IsRegular():
			if err := hashFile(h, p); err != nil {
				return err
			}
		}
		h.Write([]byte{0})
		return nil
	})
	return hex.EncodeToString(h.Sum(nil)), err
}

func hashFile(h hash.Hash, p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(h, f)
	return err
}

func ignoreMatcher(dir string) (*fileutils.PatternMatcher, error) {
	for _, name := range []string{".containerignore", ".dockerignore"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		var patterns []string
		for _, l := range strings.Split(string(b), "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
				patterns = append(patterns, filepath.Clean(strings.TrimPrefix(l, "/")))
			}
		}
		return fileutils.NewPatternMatcher(patterns)
	}
	return nil, nil
}
