package tests

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// uploadCounter is a proxy in front of a registry that notes every blob
// upload (the PUT that ends one, with its digest) and every cross-
// repository mount, so a test can tell what a push sent.
type uploadCounter struct {
	addr    string
	mu      sync.Mutex
	uploads []string // digests PUT
	mounts  []string // digests mounted from another repository
}

func countUploads(t *testing.T, registry string) *uploadCounter {
	t.Helper()
	target, _ := url.Parse("http://" + registry)
	proxy := httputil.NewSingleHostReverseProxy(target)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := &uploadCounter{addr: l.Addr().String()}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/blobs/uploads/") {
			q := r.URL.Query()
			u.mu.Lock()
			switch {
			case r.Method == http.MethodPut && q.Get("digest") != "":
				u.uploads = append(u.uploads, q.Get("digest"))
			case r.Method == http.MethodPost && q.Get("mount") != "":
				u.mounts = append(u.mounts, q.Get("mount"))
			}
			u.mu.Unlock()
		}
		proxy.ServeHTTP(w, r)
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return u
}

func (u *uploadCounter) uploaded() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string(nil), u.uploads...)
}

func (u *uploadCounter) reset() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.uploads, u.mounts = nil, nil
}

// layerDigests is what skopeo inspect --raw lists as an image's layers.
// A pushed index (a push with attestations, the default) is followed to
// its image; attested lists the blobs its attestation manifests hold.
func layerDigests(t *testing.T, ref string) []string {
	d, _ := pushedBlobs(t, ref)
	return d
}

func pushedBlobs(t *testing.T, ref string) (layers, attested []string) {
	t.Helper()
	type man struct {
		MediaType string
		Config    struct{ Digest string }
		Layers    []struct{ Digest string }
		Manifests []struct {
			Digest      string
			Annotations map[string]string
		}
	}
	read := func(ref string) man {
		t.Helper()
		out, err := skopeo(t, false, "inspect", "--raw", "--tls-verify=false", ref)
		if err != nil {
			t.Fatal(err)
		}
		var m man
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		return m
	}
	m := read(ref)
	if len(m.Manifests) > 0 && strings.HasPrefix(ref, "docker://") {
		repo := ref
		if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
			repo = repo[:i]
		}
		var img man
		for _, e := range m.Manifests {
			sub := read(repo + "@" + e.Digest)
			if e.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
				attested = append(attested, sub.Config.Digest)
				for _, l := range sub.Layers {
					attested = append(attested, l.Digest)
				}
				continue
			}
			img = sub
		}
		m = img
	}
	for _, l := range m.Layers {
		layers = append(layers, l.Digest)
	}
	return layers, attested
}

// TestBaseBlobReuse: on a runner that pulled its base from the registry
// it pushes to, the pushed image's manifest points at the base's own
// compressed blobs (skopeo, an independent reader, compares the two
// manifests) and the push uploads only the build's layer, for the default
// mode and --layers, OCI and docker format.
func TestBaseBlobReuse(t *testing.T) {
	reg := startRegistry(t)
	proxy := countUploads(t, reg)
	base := proxy.addr + "/base/busybox:1"
	if _, err := skopeo(t, true, "copy", "-q", "--dest-tls-verify=false",
		storeRef(suite.root, suite.runRoot, "localhost/busybox:latest"), "docker://"+base); err != nil {
		t.Fatalf("pushing the base: %v", err)
	}
	baseLayers := layerDigests(t, "docker://"+base)
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{
		"Dockerfile": "FROM " + base + "\nCOPY a.txt /a.txt\nRUN echo built > /b.txt\nCMD [\"cat\", \"/b.txt\"]\n",
		"a.txt":      "a\n",
	})
	for _, mode := range []struct {
		name  string
		flags []string
		own   int // the layers the build adds
	}{{"default", nil, 1}, {"layers", []string{"--layers"}, 2}, {"docker-format", []string{"--format", "docker"}, 1}} {
		t.Run(mode.name, func(t *testing.T) {
			// A new runner: an empty store, the base pulled from the registry.
			dir := tempDir(t)
			tag := proxy.addr + "/app/" + mode.name + ":1"
			store := []string{"build", "--root", filepath.Join(dir, "root"), "--runroot", filepath.Join(dir, "run"), "--tls-verify=false"}
			args := append(append(append([]string(nil), store...), "-t", tag, "--push"), mode.flags...)
			proxy.reset()
			mustBuild(t, nil, call{args: append(args, ctx)})
			got, attested := pushedBlobs(t, "docker://"+tag)
			if len(got) != len(baseLayers)+mode.own {
				t.Fatalf("pushed image has %d layers, want the base's %d and %d", len(got), len(baseLayers), mode.own)
			}
			for i, d := range baseLayers {
				if got[i] != d {
					t.Errorf("layer %d is %s, want the base's own blob %s (recompressed)", i, got[i], d)
				}
			}
			for _, d := range proxy.uploaded() {
				for _, b := range baseLayers {
					if d == b {
						t.Errorf("the push uploaded the base's layer %s again", d)
					}
				}
			}
			var own []string // the upload less the attestations' blobs
			for _, d := range proxy.uploaded() {
				if !slices.Contains(attested, d) {
					own = append(own, d)
				}
			}
			if n := len(own); n != mode.own+1 {
				t.Errorf("the push uploaded %d blobs %v besides its attestations, want %d (the build's layers and the config)", n, own, mode.own+1)
			}
			// The OCI layout output holds the base's own blobs too.
			layout := filepath.Join(tempDir(t), "oci")
			mustBuild(t, nil, call{args: append(append(append(store, "-o", "type=oci,dest="+layout), mode.flags...), ctx)})
			got = layerDigests(t, "oci:"+layout)
			for i, d := range baseLayers {
				if i >= len(got) || got[i] != d {
					t.Errorf("oci layout: layer %d is %v, want the base's own blob %s (recompressed)", i, got, d)
				}
			}
		})
	}
}
