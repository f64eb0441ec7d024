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
	"reflect"
	"slices"
	"strings"
	"time"
)

// This file compares two images as buildah v1.45.0's tests/conformance
// does (its compareJSON, FSTree, applyLayerToFSTree and skip lists), ported
// rather than imported: that harness drives buildah in-process, this one
// compares what the hush binary and docker wrote.

// ociSkip: the config fields the suite does not compare (its ociSkip).
var ociSkip = []string{"created", "history", "rootfs:diff_ids"}

// conformanceFSSkip: the suite's fsSkip, what RUN synthesises.
var conformanceFSSkip = []string{"(dir):dev:mtime", "(dir):proc:mtime", "(dir):sys:mtime", "(dir):etc:mtime"}

// ociFields is the config as OCI and BuildKit (its dockerspec) write it:
// the OCI image config plus Docker's Healthcheck, OnBuild and Shell. The
// suite compares configs after containers/image turns both into OCI; that
// drops the Docker fields, which hush keeps, so they are compared too.
var ociFields = map[string][]string{
	"": {"created", "author", "architecture", "os", "os.version", "os.features", "variant", "config", "rootfs", "history"},
	"config": {"User", "ExposedPorts", "Env", "Entrypoint", "Cmd", "Volumes", "WorkingDir", "Labels", "StopSignal",
		"ArgsEscaped", "Healthcheck", "OnBuild", "Shell"},
}

// ociView reads a config blob as the OCI fields, leaving out what is
// empty (docker writes "Volumes": null where OCI omits the field) and
// buildah's identity label, as the suite does.
func ociView(blob []byte) (map[string]any, error) {
	var m map[string]any
	if err := json.Unmarshal(blob, &m); err != nil {
		return nil, err
	}
	keep := func(m map[string]any, fields []string) {
		for k, v := range m {
			if !slices.Contains(fields, k) || isEmpty(v) {
				delete(m, k)
			}
		}
	}
	keep(m, ociFields[""])
	if c, ok := m["config"].(map[string]any); ok {
		if l, ok := c["Labels"].(map[string]any); ok {
			delete(l, "io.buildah.version")
		}
		keep(c, ociFields["config"])
	}
	return m, nil
}

func isEmpty(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Map, reflect.Slice, reflect.String:
		return rv.Len() == 0
	case reflect.Bool:
		return !rv.Bool()
	}
	return false
}

// difference is one field or file attribute the two images disagree on.
type difference struct {
	key          string // config:WorkingDir, fs:/tmp:mtime
	docker, hush string // "" where missing
}

func (d difference) String() string {
	return fmt.Sprintf("%s (docker %s, hush %s)", d.key, orNone(d.docker), orNone(d.hush))
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// compareJSON is the suite's: a field only in a is missing, only in b is
// extra, arrays compare as sets, nil equals empty; skip names fields by
// their path (a:b:c), case-insensitively. prefix names where a and b sit.
func compareJSON(prefix string, a, b map[string]any, skip []string) []difference {
	var out []difference
	show := func(v any) string {
		if v == nil {
			return "null"
		}
		j, _ := json.Marshal(v)
		return string(j)
	}
	skipped := func(k string) bool {
		return slices.ContainsFunc(skip, func(s string) bool { return strings.EqualFold(s, k) })
	}
	for _, k := range sortedKeys(a) {
		v := a[k]
		vb, ok := b[k]
		if skipped(k) {
			continue
		}
		switch {
		case !ok:
			out = append(out, difference{prefix + k, show(v), ""})
		case reflect.TypeOf(v) != reflect.TypeOf(vb):
			if (v == nil && isLenZero(vb)) || (vb == nil && isLenZero(v)) {
				continue
			}
			out = append(out, difference{prefix + k, show(v), show(vb)})
		default:
			switch v := v.(type) {
			case map[string]any:
				var next []string
				for _, s := range skip {
					if after, ok := strings.CutPrefix(s, k+":"); ok {
						next = append(next, after)
					}
				}
				out = append(out, compareJSON(prefix+k+":", v, vb.(map[string]any), next)...)
			case []any:
				if !sameSet(v, vb.([]any)) {
					out = append(out, difference{prefix + k, show(v), show(vb)})
				}
			default:
				if !reflect.DeepEqual(v, vb) {
					out = append(out, difference{prefix + k, show(v), show(vb)})
				}
			}
		}
	}
	for _, k := range sortedKeys(b) {
		if _, ok := a[k]; !ok && !skipped(k) {
			out = append(out, difference{prefix + k, "", show(b[k])})
		}
	}
	return out
}

func isLenZero(v any) bool {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Map, reflect.Slice, reflect.String, reflect.Array:
		return rv.Len() == 0
	}
	return false
}

func sameSet(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]bool{}
	for _, x := range b {
		j, _ := json.Marshal(x)
		m[string(j)] = true
	}
	for _, x := range a {
		if j, _ := json.Marshal(x); !m[string(j)] {
			return false
		}
	}
	return true
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// fsKey turns the suite's (dir):a:(dir):b:mode into /a/b:mode.
func fsKey(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, ":(dir):", "/"), "(dir):", "/")
}

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

// compareImages is the suite's comparison of docker's image and hush's:
// configs (as OCI, see ociView) and filesystems; extra content in hush's
// counts only where the case says failOnExtraFSContent.
func compareImages(docker, hush *confImage, fsSkip []string, failOnExtra bool) ([]difference, error) {
	dc, err := ociView(docker.config)
	if err != nil {
		return nil, fmt.Errorf("docker config: %w", err)
	}
	hc, err := ociView(hush.config)
	if err != nil {
		return nil, fmt.Errorf("hush config: %w", err)
	}
	diffs := compareJSON("config:", dc, hc, ociSkip)
	for i := range diffs {
		diffs[i].key = strings.Replace(diffs[i].key, "config:config:", "config:", 1)
	}
	for _, d := range compareJSON("", docker.fs, hush.fs, append(slices.Clone(conformanceFSSkip), fsSkip...)) {
		if d.docker == "" && !failOnExtra {
			continue // the suite fails on extra content only where asked
		}
		d.key = "fs:" + fsKey(d.key)
		if len(d.docker) > 80 || len(d.hush) > 80 { // a whole directory
			d.docker, d.hush = abbrev(d.docker), abbrev(d.hush)
		}
		diffs = append(diffs, d)
	}
	return diffs, nil
}

func abbrev(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}
