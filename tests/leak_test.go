package tests

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// image is what walkLayout read back from an OCI layout.
type image struct {
	configDigest string
	config       []byte
	layers       int
	files        map[string][]byte // the flattened filesystem's regular files
	nonDirs      map[string]bool   // every non-directory path any layer holds
}

// checkImage exports name from the suite's store with skopeo, walks every
// blob for c, checks the config digest is id (when given) and that no layer
// holds a file at any of the forbidden paths.
func checkImage(t *testing.T, c *canary, name, id string, forbidden ...string) *image {
	t.Helper()
	img := walkLayout(t, exportImage(t, name), "x", c)
	if id != "" && img.configDigest != id {
		t.Errorf("%s: config digest %s, want the id hush printed, %s", name, img.configDigest, id)
	}
	for _, p := range forbidden {
		img.assertNoFile(t, p)
	}
	return img
}

// walkLayout reads every file of the OCI layout at dir and fails the test
// if c shows up anywhere (see findLeaks). It returns the image that ref
// (or the only manifest) describes.
func walkLayout(t *testing.T, dir, ref string, c *canary) *image {
	t.Helper()
	for _, leak := range findLeaks(t, dir, c) {
		t.Errorf("LEAK: %s", leak)
	}
	img := readImage(t, dir, ref)
	if img.layers == 0 || len(img.files) == 0 {
		t.Fatalf("%s: %d layers, %d regular files in the image: nothing real was walked", dir, img.layers, len(img.files))
	}
	return img
}

// findLeaks looks for c in every file under dir: in each blob's bytes, in
// its decompressed form (a layer's tar headers, names and contents), and in
// every compressed file inside a layer.
func findLeaks(t *testing.T, dir string, c *canary) []string {
	t.Helper()
	var leaks []string
	n := 0
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		leaks = append(leaks, scanBlob(t, c, rel, data)...)
		n++
		return nil
	})
	if err != nil {
		t.Fatalf("walking %s: %v", dir, err)
	}
	if n < 3 {
		t.Fatalf("%s: only %d files: not an image layout", dir, n)
	}
	return leaks
}

// scanBlob returns where c shows up in data, its decompressed form, and
// every compressed member of it if it is a tar.
func scanBlob(t *testing.T, c *canary, where string, data []byte) []string {
	t.Helper()
	var leaks []string
	if form := c.find(data); form != "" {
		leaks = append(leaks, fmt.Sprintf("the secret (%s) is in %s", form, where))
	}
	plain, kind := decompress(t, where, data)
	if kind == "" {
		return leaks
	}
	if form := c.find(plain); form != "" {
		leaks = append(leaks, fmt.Sprintf("the secret (%s) is in %s (%s-decompressed)", form, where, kind))
	}
	if !isTar(plain) {
		return leaks
	}
	tr := tar.NewReader(bytes.NewReader(plain))
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Errorf("%s: reading tar: %v", where, err)
			break
		}
		body, _ := io.ReadAll(tr)
		if inner, k := decompress(t, where+"!"+hdr.Name, body); k != "" {
			if form := c.find(inner); form != "" {
				leaks = append(leaks, fmt.Sprintf("the secret (%s) is in %s!%s (%s-decompressed)", form, where, hdr.Name, k))
			}
		}
	}
	return leaks
}

// decompress returns data decompressed and the compression's name, or
// data and "" when it is not gzip or zstd.
func decompress(t *testing.T, where string, data []byte) ([]byte, string) {
	t.Helper()
	switch {
	case bytes.HasPrefix(data, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return data, ""
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			t.Errorf("%s: gunzip: %v", where, err)
		}
		return plain, "gzip"
	case bytes.HasPrefix(data, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		cmd := exec.Command("zstd", "-dcq")
		cmd.Stdin = bytes.NewReader(data)
		plain, err := cmd.Output()
		if err != nil {
			t.Errorf("%s: zstd -d (scripts/test-env.sh installs zstd): %v", where, err)
		}
		return plain, "zstd"
	}
	return data, ""
}

func isTar(b []byte) bool { return len(b) >= 512 && bytes.HasPrefix(b[257:], []byte("ustar")) }

type descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Annotations map[string]string `json:"annotations"`
}

type manifestDoc struct {
	MediaType string       `json:"mediaType"`
	Manifests []descriptor `json:"manifests"`
	Config    descriptor   `json:"config"`
	Layers    []descriptor `json:"layers"`
}

func readBlob(t *testing.T, dir, digest string) []byte {
	t.Helper()
	alg, hex, ok := strings.Cut(digest, ":")
	if !ok {
		t.Fatalf("%s: bad digest %q", dir, digest)
	}
	b, err := os.ReadFile(filepath.Join(dir, "blobs", alg, hex))
	if err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	return b
}

// readImage follows index.json to the manifest named ref (or the only
// one), then flattens its layers in order, applying whiteouts.
func readImage(t *testing.T, dir, ref string) *image {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	var doc manifestDoc
	for depth := 0; doc.Config.Digest == ""; depth++ {
		if err := json.Unmarshal(raw, &doc); err != nil || depth > 3 {
			t.Fatalf("%s: reading manifests: %v", dir, err)
		}
		if doc.Config.Digest != "" {
			break
		}
		var pick *descriptor
		for i, m := range doc.Manifests {
			if len(doc.Manifests) == 1 || depth > 0 || m.Annotations["org.opencontainers.image.ref.name"] == ref {
				pick = &doc.Manifests[i]
				break
			}
		}
		if pick == nil {
			t.Fatalf("%s: no manifest named %q in index.json", dir, ref)
		}
		raw = readBlob(t, dir, pick.Digest)
		doc = manifestDoc{}
	}
	img := &image{configDigest: doc.Config.Digest, config: readBlob(t, dir, doc.Config.Digest),
		layers: len(doc.Layers), files: map[string][]byte{}, nonDirs: map[string]bool{}}
	for _, l := range doc.Layers {
		plain, _ := decompress(t, l.Digest, readBlob(t, dir, l.Digest))
		img.apply(t, l.Digest, plain)
	}
	return img
}

func (img *image) apply(t *testing.T, where string, layer []byte) {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(layer))
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("layer %s: %v", where, err)
		}
		name := path.Clean("/" + hdr.Name)
		dir, base := path.Split(name)
		if strings.HasPrefix(base, ".wh.") {
			img.nonDirs[name] = true
			gone := path.Join(dir, strings.TrimPrefix(base, ".wh."))
			if base == ".wh..wh..opq" {
				gone = path.Clean(dir)
			}
			for p := range img.files {
				if p == gone || strings.HasPrefix(p, gone+"/") {
					delete(img.files, p)
				}
			}
			continue
		}
		if hdr.Typeflag != tar.TypeDir {
			img.nonDirs[name] = true
		}
		delete(img.files, name)
		if hdr.Typeflag == tar.TypeReg {
			body, err := io.ReadAll(tr)
			if err != nil {
				t.Fatalf("layer %s: %s: %v", where, name, err)
			}
			img.files[name] = body
		}
	}
}

// assertNoFile fails if any layer holds something other than a directory
// at p (a whiteout there means an earlier layer had it).
func (img *image) assertNoFile(t *testing.T, p string) {
	t.Helper()
	dir, base := path.Split(path.Clean(p))
	if img.nonDirs[path.Clean(p)] || img.nonDirs[path.Join(dir, ".wh."+base)] {
		t.Errorf("LEAK: a layer holds %s", p)
	}
}

// file returns the content of p in the flattened image, failing if absent.
func (img *image) file(t *testing.T, p string) string {
	t.Helper()
	b, ok := img.files[p]
	if !ok {
		t.Fatalf("the image has no file %s", p)
	}
	return string(b)
}
