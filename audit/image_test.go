package audit

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/opencontainers/go-digest"
	imgspec "github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/signature"
	"go.podman.io/image/v5/transports/alltransports"
	"go.podman.io/image/v5/types"
)

// Test images are written by hand as OCI layouts: tar layers with exactly
// the entries a case needs (whiteouts, opaque directories, hard links), so
// the expected findings are known byte for byte.

// tentry is one tar entry of a test layer.
type tentry struct {
	name string // without leading slash; a trailing slash makes a directory
	body []byte
	link string // hard link target (tar.TypeLink)
}

func dirE(name string) tentry          { return tentry{name: name + "/"} }
func fileE(name, body string) tentry   { return tentry{name: name, body: []byte(body)} }
func linkE(name, target string) tentry { return tentry{name: name, link: target} }

func layerTar(t testing.TB, entries []tentry) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o644, Typeflag: tar.TypeReg, Size: int64(len(e.body)), Format: tar.FormatPAX}
		switch {
		case e.link != "":
			h.Typeflag, h.Linkname, h.Size = tar.TypeLink, e.link, 0
		case e.name[len(e.name)-1] == '/':
			h.Typeflag, h.Mode = tar.TypeDir, 0o755
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write(e.body); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gzipped(t testing.TB, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// testImage is an image to write: layers bottom first, config fields, and
// history (created_by, empty_layer).
type testImage struct {
	layers  [][]tentry
	env     []string
	labels  map[string]string
	history []v1.History
}

// writeOCI writes img as an OCI layout at dir with tag, and returns
// "oci:DIR:TAG".
func writeOCI(t testing.TB, dir, tag string, img testImage) string {
	t.Helper()
	blobs := filepath.Join(dir, "blobs", "sha256")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		t.Fatal(err)
	}
	put := func(b []byte) v1.Descriptor {
		sum := sha256.Sum256(b)
		d := digest.NewDigestFromEncoded(digest.SHA256, hex.EncodeToString(sum[:]))
		if err := os.WriteFile(filepath.Join(blobs, d.Encoded()), b, 0o644); err != nil {
			t.Fatal(err)
		}
		return v1.Descriptor{Digest: d, Size: int64(len(b))}
	}
	cfg := v1.Image{Platform: v1.Platform{OS: "linux", Architecture: runtime.GOARCH},
		Config: v1.ImageConfig{Env: img.env, Labels: img.labels, Cmd: []string{"/bin/sh"}},
		RootFS: v1.RootFS{Type: "layers"}, History: img.history}
	var layers []v1.Descriptor
	for _, l := range img.layers {
		raw := layerTar(t, l)
		sum := sha256.Sum256(raw)
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, digest.NewDigestFromEncoded(digest.SHA256, hex.EncodeToString(sum[:])))
		d := put(gzipped(t, raw))
		d.MediaType = v1.MediaTypeImageLayerGzip
		layers = append(layers, d)
	}
	cb, _ := json.Marshal(cfg)
	cd := put(cb)
	cd.MediaType = v1.MediaTypeImageConfig
	m := v1.Manifest{Versioned: imgspec.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageManifest, Config: cd, Layers: layers}
	mb, _ := json.Marshal(m)
	md := put(mb)
	md.MediaType = v1.MediaTypeImageManifest
	md.Annotations = map[string]string{v1.AnnotationRefName: tag}
	idx := v1.Index{Versioned: imgspec.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageIndex, Manifests: []v1.Descriptor{md}}
	ib, _ := json.Marshal(idx)
	if err := os.WriteFile(filepath.Join(dir, "index.json"), ib, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return "oci:" + dir + ":" + tag
}

// convert copies an image between transports with containers/image.
func convert(t testing.TB, src, dst string, sys *types.SystemContext) {
	t.Helper()
	sref, err := alltransports.ParseImageName(src)
	if err != nil {
		t.Fatal(err)
	}
	dref, err := alltransports.ParseImageName(dst)
	if err != nil {
		t.Fatal(err)
	}
	copyRefs(t, sref, dref, sys)
}

func copyRefs(t testing.TB, sref, dref types.ImageReference, sys *types.SystemContext) {
	t.Helper()
	pc, err := signature.NewPolicyContext(&signature.Policy{Default: signature.PolicyRequirements{signature.NewPRInsecureAcceptAnything()}})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Destroy()
	if _, err := copy.Image(context.Background(), pc, dref, sref, &copy.Options{SourceCtx: sys, DestinationCtx: sys}); err != nil {
		t.Fatalf("copying %s to %s: %v", transportsName(sref), transportsName(dref), err)
	}
}

func transportsName(r types.ImageReference) string {
	return r.Transport().Name() + ":" + r.StringWithinTransport()
}

// Values in the leaky image. canary is the known secret (--secret); the
// others are found by heuristics only. None may appear in any output.
const (
	canary      = "hushcanary-audit-7d1f3b9e0a"
	pipPassword = "Pip-p4ss-9c1e77ab"
	npmLookOnly = "Zq8vK2mN4pR7sT1wX5yB9cD3fG6hJ0kL"
)

func testKey(t testing.TB) []byte {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
}

// nestedTarGz is a .tar.gz holding pkg/.npmrc with the canary.
func nestedTarGz(t testing.TB) []byte {
	return gzipped(t, layerTar(t, []tentry{dirE("pkg"), fileE("pkg/.npmrc", "//registry.npmjs.org/:_authToken="+canary+"\n")}))
}

// leakyImage has every kind of leak, each at a known place:
//
//	layer 0  base files
//	layer 1  COPY: /root/secret.txt (canary), /app/keep/hard (hard link to
//	         it), /opt/cache/data.bin (canary), /srv/deps.tar.gz (canary
//	         in a nested .npmrc), /srv/b64.json (canary in base64),
//	         /etc/app/over.conf (canary), /root/.pip/pip.conf (password)
//	layer 2  RUN |1 SECRET=canary: overwrites /etc/app/over.conf, adds
//	         /root/.ssh/id_rsa
//	layer 3  RUN rm: whiteouts /root/secret.txt and /root/.pip, opaque
//	         /opt/cache
//
// and ENV NPM_TOKEN in the config.
func leakyImage(t testing.TB) testImage {
	b64 := base64.StdEncoding.EncodeToString([]byte("ci:" + canary))
	return testImage{
		layers: [][]tentry{
			{dirE("etc"), fileE("etc/os-release", "ID=test\n"), dirE("usr"), dirE("usr/bin"), fileE("usr/bin/tool", "\x7fELF\x00\x01binary")},
			{dirE("root"), fileE("root/secret.txt", canary+"\n"), dirE("app"), dirE("app/keep"), linkE("app/keep/hard", "root/secret.txt"),
				dirE("opt"), dirE("opt/cache"), fileE("opt/cache/data.bin", "x="+canary),
				dirE("srv"), {name: "srv/deps.tar.gz", body: nestedTarGz(t)}, fileE("srv/b64.json", `{"auths":{"r.example":{"auth":"`+b64+`"}}}`),
				dirE("etc/app"), fileE("etc/app/over.conf", "token = "+canary+"\n"),
				dirE("root/.pip"), fileE("root/.pip/pip.conf", "[global]\nindex-url = https://ci:"+pipPassword+"@pypi.internal/simple\n")},
			{dirE("etc/app"), fileE("etc/app/over.conf", "token = none\n"), dirE("root/.ssh"), {name: "root/.ssh/id_rsa", body: testKey(t)}},
			{fileE("root/.wh.secret.txt", ""), fileE("root/.wh..pip", ""), dirE("opt/cache"), fileE("opt/cache/.wh..wh..opq", ""), fileE("opt/cache/new.txt", "fresh\n")},
		},
		env: []string{"PATH=/usr/bin:/bin", "NPM_TOKEN=" + npmLookOnly},
		history: []v1.History{
			{CreatedBy: "/bin/sh -c #(nop) ADD file:0123 in /"},
			{CreatedBy: "ARG SECRET", EmptyLayer: true},
			{CreatedBy: "COPY . / # buildkit"},
			{CreatedBy: "RUN |1 SECRET=" + canary + " /bin/sh -c make"},
			{CreatedBy: "ENV NPM_TOKEN=" + npmLookOnly, EmptyLayer: true},
			{CreatedBy: "RUN /bin/sh -c rm -rf /root/secret.txt /root/.pip /opt/cache/*"},
		},
	}
}

// cleanImage is full of look-alikes: random strings, placeholders,
// certificates, a marker with no key, credential files with no credential.
func cleanImage(t testing.TB) testImage {
	rnd := make([]byte, 48)
	_, _ = rand.Read(rnd)
	rs := base64.StdEncoding.EncodeToString(rnd)
	hx := hex.EncodeToString(rnd[:20])
	return testImage{
		layers: [][]tentry{
			{dirE("etc"), fileE("etc/app.conf", "checksum="+hx+"\nnonce = "+rs+"\n"), dirE("root"),
				fileE("root/.npmrc", "registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n"),
				dirE("root/.pip"), fileE("root/.pip/pip.conf", "[global]\nindex-url = https://pypi.org/simple\n"),
				dirE("root/.docker"), fileE("root/.docker/config.json", `{"credsStore":"pass","auths":{"ghcr.io":{}}}`),
				dirE("usr"), dirE("usr/lib"), fileE("usr/lib/libssl.so", "\x00\x00-----BEGIN RSA PRIVATE KEY-----\x00%s\x00-----END RSA PRIVATE KEY-----\x00"+rs),
				dirE("src"), dirE("src/.git"), fileE("src/.git/config", "[remote \"origin\"]\n\turl = https://github.com/o/"+hx+".git\n")},
			{dirE("data"), fileE("data/random.txt", rs+"\n"+hx+"\n"), {name: "data/blob.tar.gz", body: gzipped(t, layerTar(t, []tentry{fileE("x", rs)}))}},
		},
		env:    []string{"PATH=/usr/bin:/bin", "GPG_KEY=" + hx, "PYTHON_SHA256=" + hx, "NPM_TOKEN="},
		labels: map[string]string{"org.opencontainers.image.revision": hx},
		history: []v1.History{
			{CreatedBy: "/bin/sh -c #(nop) ADD file:" + hx + " in /"},
			{CreatedBy: "RUN |1 SECRET= /bin/sh -c ./use_secret.sh"},
		},
	}
}
