package guard

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/hushbuild/hush/builder/internal/storestate"
	"github.com/opencontainers/go-digest"
	"go.podman.io/storage"

	"github.com/hushbuild/hush/audit"
	"github.com/hushbuild/hush/secrets"
	"github.com/hushbuild/hush/secrets/pattern"
)

// The guard and `hush audit` are one scanner: the same image, guarded and
// audited, yields the same findings. Each case builds an image in a real
// store (vfs, in t.TempDir()) and runs both on it.

const scanCanary = "hushcanary-one-scanner-5e1d93"

// tarEntry is one member of a layer; typ defaults to a regular file.
type tarEntry struct {
	name, body, link string
	typ              byte
	pax              map[string]string
}

// layerTar makes an uncompressed layer.
func layerTar(t *testing.T, es ...tarEntry) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range es {
		h := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.body)), Typeflag: e.typ, Linkname: e.link, PAXRecords: e.pax, Format: tar.FormatPAX}
		switch e.typ {
		case 0:
			h.Typeflag = tar.TypeReg
		case tar.TypeDir, tar.TypeSymlink, tar.TypeLink:
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gzipped(t *testing.T, p []byte) string {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, _ = zw.Write(p)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// imageSpec is an image to build: its layers (bottom first) with the
// instruction of each, its config's env and labels, and extra history.
type imageSpec struct {
	layers [][]byte
	instr  []string
	env    []string
	labels map[string]string
}

// scanCase is one row of the table both scanners run on.
type scanCase struct {
	name string
	// base, when set, is a named image storage holds before the build:
	// the guard does not read its layers (the build's FROM), audit does.
	base  *imageSpec
	image imageSpec
	// want is how many findings both must report (they must also agree
	// on every field).
	want int
}

func scanCases(t *testing.T) []scanCase {
	secretFile := "[global]\nindex-url = https://ci:" + scanCanary + "@pypi.example/simple\n"
	nested := layerTar(t, tarEntry{name: "home/.pip/pip.conf", body: secretFile})
	return []scanCase{
		{name: "clean", image: imageSpec{layers: [][]byte{layerTar(t, tarEntry{name: "etc/motd", body: "hello"})}, instr: []string{"COPY motd /etc/motd"}}},
		{name: "file at runtime", want: 1, image: imageSpec{
			layers: [][]byte{layerTar(t, tarEntry{name: "root/", typ: tar.TypeDir}, tarEntry{name: "root/.pip/pip.conf", body: secretFile})},
			instr:  []string{"COPY pip.conf /root/.pip/pip.conf"}}},
		{name: "deleted by a whiteout (hidden)", want: 1, image: imageSpec{
			layers: [][]byte{layerTar(t, tarEntry{name: "app/creds", body: scanCanary}), layerTar(t, tarEntry{name: "app/.wh.creds"})},
			instr:  []string{"COPY creds /app/creds", "RUN rm /app/creds"}}},
		{name: "opaque directory and overwrite", want: 2, image: imageSpec{
			layers: [][]byte{
				layerTar(t, tarEntry{name: "a/tok", body: "x " + scanCanary}, tarEntry{name: "b/tok", body: scanCanary}),
				layerTar(t, tarEntry{name: "a/", typ: tar.TypeDir}, tarEntry{name: "a/.wh..wh..opq"}, tarEntry{name: "b/tok", body: "clean"}),
			},
			instr: []string{"COPY . /", "RUN reset"}}},
		{name: "name, link target and xattr", want: 3, image: imageSpec{
			layers: [][]byte{layerTar(t,
				tarEntry{name: "cache/" + scanCanary + ".txt", body: "x"},
				tarEntry{name: "lnk", typ: tar.TypeSymlink, link: "/opt/" + scanCanary},
				tarEntry{name: "note", body: "y", pax: map[string]string{"SCHILY.xattr.user.note": scanCanary}})},
			instr: []string{"RUN touch"}}},
		{name: "nested gzip tar and hard link", want: 3, image: imageSpec{
			layers: [][]byte{layerTar(t,
				tarEntry{name: "backup.tgz", body: gzipped(t, nested)},
				tarEntry{name: "keep", body: "token " + scanCanary},
				tarEntry{name: "keep2", typ: tar.TypeLink, link: "keep"})},
			instr: []string{"RUN tar czf backup.tgz"}}},
		{name: "config env, label and history", want: 3, image: imageSpec{
			layers: [][]byte{layerTar(t, tarEntry{name: "x", body: "clean"})},
			instr:  []string{"RUN echo " + scanCanary + " >/dev/null"},
			env:    []string{"PATH=/usr/bin", "API_TOKEN=" + scanCanary},
			labels: map[string]string{"org.example.author": "me", "org.example.token": scanCanary}}},
		{name: "in the base image: the guard skips it", want: 1,
			base: &imageSpec{layers: [][]byte{layerTar(t, tarEntry{name: "base/tok", body: scanCanary})}, instr: []string{"ADD rootfs /"}},
			image: imageSpec{
				layers: [][]byte{layerTar(t, tarEntry{name: "app/pip.conf", body: secretFile})},
				instr:  []string{"COPY pip.conf /app/pip.conf"}}},
	}
}

// putImage stores spec's layers on top of parent and an image with a
// config and manifest as buildah writes them; from names the base.
func putImage(t *testing.T, store storage.Store, spec imageSpec, parent *storage.Image, from string, names []string) storage.Image {
	t.Helper()
	type hist struct {
		CreatedBy  string `json:"created_by,omitempty"`
		Comment    string `json:"comment,omitempty"`
		EmptyLayer bool   `json:"empty_layer,omitempty"`
	}
	var diffIDs []string
	var history []hist
	top := ""
	if parent != nil {
		top = parent.TopLayer
		var pc struct {
			RootFS struct {
				DiffIDs []string `json:"diff_ids"`
			} `json:"rootfs"`
			History []hist `json:"history"`
		}
		raw, err := configBlob(store, *parent)
		if err != nil || json.Unmarshal(raw, &pc) != nil {
			t.Fatalf("parent config: %v", err)
		}
		diffIDs, history = pc.RootFS.DiffIDs, pc.History
	}
	type desc struct {
		MediaType string `json:"mediaType"`
		Digest    string `json:"digest"`
		Size      int    `json:"size"`
	}
	var layers []desc
	for i, l := range spec.layers {
		lay, _, err := store.PutLayer("", top, nil, "", false, nil, bytes.NewReader(l))
		if err != nil {
			t.Fatalf("PutLayer: %v", err)
		}
		top = lay.ID
		d := digest.FromBytes(l).String()
		diffIDs = append(diffIDs, d)
		layers = append(layers, desc{"application/vnd.oci.image.layer.v1.tar", d, len(l)})
		h := hist{CreatedBy: "/bin/sh -c " + spec.instr[i]}
		if i == 0 && from != "" {
			h.Comment = "FROM " + from
		}
		history = append(history, h)
	}
	history = append(history, hist{CreatedBy: "/bin/sh -c #(nop) CMD [\"sh\"]", EmptyLayer: true})
	cfg := map[string]any{
		"architecture": "amd64", "os": "linux",
		"config":  map[string]any{"Env": spec.env, "Labels": spec.labels},
		"rootfs":  map[string]any{"type": "layers", "diff_ids": diffIDs},
		"history": history,
	}
	rawCfg, _ := json.Marshal(cfg)
	cfgDigest := digest.FromBytes(rawCfg)
	man, _ := json.Marshal(map[string]any{
		"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		"config": desc{"application/vnd.oci.image.config.v1+json", cfgDigest.String(), len(rawCfg)},
		"layers": layers,
	})
	img, err := store.CreateImage(cfgDigest.Encoded(), names, top, "", &storage.ImageOptions{BigData: []storage.ImageBigDataOption{
		{Key: cfgDigest.String(), Data: rawCfg, Digest: cfgDigest},
		{Key: storage.ImageDigestBigDataKey, Data: man, Digest: digest.FromBytes(man)},
	}})
	if err != nil {
		t.Fatalf("CreateImage: %v", err)
	}
	return *img
}

// comparable drops what only the guard knows (which image of a build, the
// stage) and shows a finding on one line.
func comparable(fs []audit.Finding) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		f.Image, f.Stage = "", ""
		b, _ := json.Marshal(f)
		out = append(out, string(b))
	}
	return out
}

func TestGuardEqualsAudit(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for a storage root in t.TempDir()")
	}
	secs := []secrets.Secret{secrets.New("pip", []byte(scanCanary))}
	set := pattern.NewSet(secs...)
	for _, c := range scanCases(t) {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			opts := storage.StoreOptions{GraphRoot: dir + "/root", RunRoot: dir + "/run", GraphDriverName: "vfs"}
			store, err := storage.GetStore(opts)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _, _ = store.Shutdown(true) }()
			var parent *storage.Image
			from := ""
			if c.base != nil {
				b := putImage(t, store, *c.base, nil, "", []string{"localhost/base:latest"})
				parent, from = &b, "localhost/base"
			}
			before, err := storestate.Take(store)
			if err != nil {
				t.Fatal(err)
			}
			img := putImage(t, store, c.image, parent, from, nil)
			guarded, err := Run(context.Background(), store, Request{Before: before, Final: img.ID, Engine: audit.NewEngine(set, false), Workers: 2})
			if err != nil {
				t.Fatalf("guard: %v", err)
			}
			for _, f := range guarded {
				if f.Image != img.ID || (from != "" && f.Stage != "FROM "+from) {
					t.Errorf("guard finding %s: image %.12s stage %q, want %.12s, %q", f, f.Image, f.Stage, img.ID, "FROM "+from)
				}
				if strings.Contains(f.String(), scanCanary) {
					t.Errorf("guard finding shows the canary: %s", f)
				}
			}
			rep, err := audit.Audit(context.Background(), audit.Options{Images: []string{img.ID}, Secrets: secs, NoHeuristics: true,
				StorageRoot: opts.GraphRoot, StorageRunRoot: opts.RunRoot, StorageDriver: "vfs", Workers: 2})
			if err != nil {
				t.Fatalf("audit: %v", err)
			}
			audited := rep.Images[0].Findings
			if c.base != nil {
				// The guard vouches for no base layer; it only reads none.
				var above []audit.Finding
				for _, f := range audited {
					if f.Layer == nil || f.Layer.Index >= len(c.base.layers) {
						above = append(above, f)
					}
				}
				if len(above) == len(audited) {
					t.Errorf("audit found nothing in the base image, want its finding")
				}
				audited = above
			}
			g, a := comparable(guarded), comparable(audited)
			if fmt.Sprint(g) != fmt.Sprint(a) {
				t.Errorf("guard and audit disagree:\nguard:\n  %s\naudit:\n  %s", strings.Join(g, "\n  "), strings.Join(a, "\n  "))
			}
			if len(g) != c.want {
				t.Errorf("%d findings, want %d:\n  %s", len(g), c.want, strings.Join(g, "\n  "))
			}
		})
	}
}
