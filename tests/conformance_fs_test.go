package tests

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The images' filesystems as buildah's conformance suite reads them (its
// FSTree, summarizeLayer, applyLayerToFSTree), from docker save's archive
// and from hush's OCI layout.

// fsHeader is the suite's FSHeader: what it compares of a tar entry.
type fsHeader struct {
	Typeflag byte              `json:"typeflag,omitempty"`
	Name     string            `json:"name,omitempty"`
	Linkname string            `json:"linkname,omitempty"`
	Size     int64             `json:"size"`
	Mode     int64             `json:"mode,omitempty"`
	UID      int               `json:"uid"`
	GID      int               `json:"gid"`
	ModTime  time.Time         `json:"mtime"`
	Devmajor int64             `json:"devmajor,omitempty"`
	Devminor int64             `json:"devminor,omitempty"`
	Xattrs   map[string]string `json:"xattrs,omitempty"`
	Digest   string            `json:"digest,omitempty"`
}

type fsEntry struct {
	fsHeader
	Children map[string]*fsEntry `json:"(dir),omitempty"`
}

// readLayer lists a layer's entries as the suite's summarizeLayer does;
// the blob may be gzip-compressed or not.
func readLayer(blob []byte) ([]fsHeader, error) {
	var r io.Reader = bytes.NewReader(blob)
	if bytes.HasPrefix(blob, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, err
		}
		r = zr
	}
	var hs []fsHeader
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return hs, nil
		}
		if err != nil {
			return nil, err
		}
		h := fsHeader{Typeflag: hdr.Typeflag, Name: hdr.Name, Linkname: hdr.Linkname, Size: hdr.Size,
			Mode: hdr.Mode & int64(fs.ModePerm), UID: hdr.Uid, GID: hdr.Gid, ModTime: hdr.ModTime,
			Devmajor: hdr.Devmajor, Devminor: hdr.Devminor, Xattrs: xattrs(hdr)}
		if hdr.Size != 0 {
			d := sha256.New()
			if _, err := io.Copy(d, tr); err != nil {
				return nil, err
			}
			h.Digest = "sha256:" + hex.EncodeToString(d.Sum(nil))
		}
		hs = append(hs, h)
	}
}

// xattrs: the suite reads hdr.Xattrs, which archive/tar fills from the
// SCHILY.xattr. PAX records.
func xattrs(hdr *tar.Header) map[string]string {
	var m map[string]string
	for k, v := range hdr.PAXRecords {
		if name, ok := strings.CutPrefix(k, "SCHILY.xattr."); ok {
			if m == nil {
				m = map[string]string{}
			}
			m[name] = v
		}
	}
	return m
}

// applyLayer is the suite's applyLayerToFSTree: hard links read as the
// file they link to, whiteouts remove, opaque directories empty.
func applyLayer(layer []fsHeader, root *fsEntry) error {
	for i, entry := range layer {
		if entry.Typeflag == tar.TypeLink {
			name, found := entry.Name, false
			for _, other := range layer[:i] {
				if other.Name == entry.Linkname {
					entry, found = other, true
					entry.Name = name
					break
				}
			}
			if !found {
				return fmt.Errorf("hard link %s to %s, which is not in the layer", name, entry.Linkname)
			}
		}
		parts := strings.Split(strings.Trim(entry.Name, "/"), "/")
		base, dir := parts[len(parts)-1], root
		for _, p := range parts[:len(parts)-1] {
			child, ok := dir.Children[p]
			if !ok || child.Children == nil {
				return fmt.Errorf("layer entry %s: %s is not a directory", entry.Name, p)
			}
			dir = child
		}
		if base == ".wh..wh..opq" {
			dir.Children = map[string]*fsEntry{}
			continue
		}
		if after, ok := strings.CutPrefix(base, ".wh."); ok {
			delete(dir.Children, after)
			continue
		}
		if child, ok := dir.Children[base]; ok && (child.Children != nil) == (entry.Typeflag == tar.TypeDir) {
			child.fsHeader = entry
			continue
		}
		var children map[string]*fsEntry
		if entry.Typeflag == tar.TypeDir {
			children = map[string]*fsEntry{}
		}
		dir.Children[base] = &fsEntry{fsHeader: entry, Children: children}
	}
	return nil
}

// image is what the comparison reads of one image.
type confImage struct {
	config []byte
	fs     map[string]any
}

// fsTree applies layers in order and returns the tree as the suite's
// fs.json map.
func fsTree(layers [][]byte) (map[string]any, error) {
	root := fsEntry{Children: map[string]*fsEntry{}}
	for i, l := range layers {
		hs, err := readLayer(l)
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", i, err)
		}
		if err := applyLayer(hs, &root); err != nil {
			return nil, fmt.Errorf("layer %d: %w", i, err)
		}
	}
	j, err := json.Marshal(root)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(j, &m)
}

// readDockerArchive reads what docker save wrote.
func readDockerArchive(file string) (*confImage, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	files := map[string][]byte{}
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if hdr.Typeflag == tar.TypeReg {
			if files[hdr.Name], err = io.ReadAll(tr); err != nil {
				return nil, err
			}
		}
	}
	var m []struct {
		Config string
		Layers []string
	}
	if err := json.Unmarshal(files["manifest.json"], &m); err != nil || len(m) != 1 {
		return nil, fmt.Errorf("docker archive manifest.json: %v (%d images)", err, len(m))
	}
	var layers [][]byte
	for _, l := range m[0].Layers {
		layers = append(layers, files[l])
	}
	tree, err := fsTree(layers)
	return &confImage{config: files[m[0].Config], fs: tree}, err
}

// readOCILayout reads the one image of an OCI layout.
func readOCILayout(dir string) (*confImage, error) {
	blob := func(d string) ([]byte, error) {
		return os.ReadFile(filepath.Join(dir, "blobs", strings.Replace(d, ":", "/", 1)))
	}
	var idx struct{ Manifests []struct{ Digest string } }
	b, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err == nil {
		err = json.Unmarshal(b, &idx)
	}
	if err != nil || len(idx.Manifests) != 1 {
		return nil, fmt.Errorf("OCI layout index: %v (%d manifests)", err, len(idx.Manifests))
	}
	var m struct {
		Config struct{ Digest string }
		Layers []struct{ Digest string }
	}
	if b, err = blob(idx.Manifests[0].Digest); err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil {
		return nil, fmt.Errorf("OCI manifest: %w", err)
	}
	img := &confImage{}
	if img.config, err = blob(m.Config.Digest); err != nil {
		return nil, err
	}
	var layers [][]byte
	for _, l := range m.Layers {
		b, err := blob(l.Digest)
		if err != nil {
			return nil, err
		}
		layers = append(layers, b)
	}
	img.fs, err = fsTree(layers)
	return img, err
}
