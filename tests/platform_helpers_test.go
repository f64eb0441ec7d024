package tests

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// needArm64 makes sure this amd64 machine runs arm64 binaries through
// qemu-user in binfmt_misc, mounting and registering it as Debian's
// qemu-user-static package would; it skips when that cannot be done.
func needArm64(t *testing.T) {
	t.Helper()
	if runtime.GOARCH != "amd64" {
		t.Skip("skip: the two-platform tests build amd64 + arm64 on an amd64 host")
	}
	const dir = "/proc/sys/fs/binfmt_misc"
	if _, err := os.Stat(dir + "/register"); err != nil {
		if out, err := exec.Command("mount", "-t", "binfmt_misc", "binfmt_misc", dir).CombinedOutput(); err != nil {
			t.Skipf("skip: cannot mount binfmt_misc: %v %s", err, out)
		}
	}
	if b, err := os.ReadFile(dir + "/qemu-aarch64"); err == nil && strings.HasPrefix(string(b), "enabled") {
		return
	}
	conf, err := os.ReadFile("/usr/lib/binfmt.d/qemu-aarch64.conf")
	if err != nil {
		t.Skip("skip: qemu-user-static is not installed (scripts/deps.sh installs it)")
	}
	var line string
	for _, l := range strings.Split(string(conf), "\n") {
		if strings.HasPrefix(l, ":") {
			line = l
		}
	}
	if err := os.WriteFile(dir+"/register", []byte(line), 0o200); err != nil {
		t.Skipf("skip: cannot register qemu-aarch64 in binfmt_misc: %v", err)
	}
}

// platformContext writes a context with the Dockerfile and the tool built
// for amd64 and arm64 by the Go toolchain.
func platformContext(t *testing.T, dockerfile string) string {
	t.Helper()
	dir := tempDir(t)
	writeFiles(t, dir, map[string]string{"Dockerfile": dockerfile})
	src := filepath.Join(t.TempDir(), "tool.go")
	if err := os.WriteFile(src, []byte(toolSource), 0o644); err != nil {
		t.Fatal(err)
	}
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	for _, arch := range []string{"amd64", "arm64"} {
		out := filepath.Join(dir, "tool-"+arch)
		cmd := exec.Command(goBin, "build", "-o", out, src)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch, "GOFLAGS=")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", arch, err, b)
		}
		if err := os.Chown(out, suite.uid, suite.gid); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// ociIndex is the part of an OCI index (or image manifest) the tests read.
type ociIndex struct {
	MediaType string `json:"mediaType"`
	Manifests []struct {
		MediaType string `json:"mediaType"`
		Digest    string `json:"digest"`
		Platform  *struct {
			OS           string `json:"os"`
			Architecture string `json:"architecture"`
			Variant      string `json:"variant"`
		} `json:"platform"`
		Annotations map[string]string `json:"annotations"`
	} `json:"manifests"`
	Config struct{ Digest string } `json:"config"`
	Layers []struct {
		MediaType string `json:"mediaType"`
		Digest    string `json:"digest"`
	} `json:"layers"`
}

// images splits an index's entries: the platform images in order, and
// for each image digest the attestation manifests that name it (BuildKit's
// layout: vnd.docker.reference.type attestation-manifest).
func (ix ociIndex) images() (imgs []string, attests map[string][]string) {
	attests = map[string][]string{}
	for _, m := range ix.Manifests {
		if m.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
			d := m.Annotations["vnd.docker.reference.digest"]
			attests[d] = append(attests[d], m.Digest)
			continue
		}
		imgs = append(imgs, m.Digest)
	}
	return imgs, attests
}

// byDigest is the index entry for digest d.
func (ix ociIndex) byDigest(d string) int {
	for i, m := range ix.Manifests {
		if m.Digest == d {
			return i
		}
	}
	return -1
}

func rawManifest(t *testing.T, ref string) (ociIndex, string) {
	t.Helper()
	out, err := skopeo(t, false, "inspect", "--raw", "--tls-verify=false", "docker://"+ref)
	if err != nil {
		t.Fatal(err)
	}
	var m ociIndex
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("%s: %v: %s", ref, err, out)
	}
	return m, out
}

// blob reads a blob straight from the registry's HTTP API.
func blob(t *testing.T, addr, repo, digest string) []byte {
	t.Helper()
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Get("http://" + addr + "/v2/" + repo + "/blobs/" + digest)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("blob %s: %v %s", digest, err, resp.Status)
	}
	return b
}

// layerFiles reads every regular file of a gzip layer.
func layerFiles(t *testing.T, layer []byte, into map[string]string) {
	t.Helper()
	zr, err := gzip.NewReader(strings.NewReader(string(layer)))
	if err != nil {
		t.Fatalf("layer: %v", err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			b, _ := io.ReadAll(tr)
			into[strings.TrimPrefix(h.Name, "./")] = string(b)
		}
	}
}

// countingProxy forwards to the registry at addr and counts GETs of
// blobs that are layers (any blob but a config: a config is small JSON).
func countingProxy(t *testing.T, addr string) (string, func() int) {
	t.Helper()
	target, _ := url.Parse("http://" + addr)
	rp := httputil.NewSingleHostReverseProxy(target)
	var mu sync.Mutex
	n := 0
	rp.ModifyResponse = func(resp *http.Response) error {
		req := resp.Request
		if req.Method == http.MethodGet && strings.Contains(req.URL.Path, "/blobs/sha256:") &&
			!strings.Contains(resp.Header.Get("Content-Type"), "json") && resp.ContentLength != 0 {
			b, _ := io.ReadAll(resp.Body)
			resp.Body = io.NopCloser(strings.NewReader(string(b)))
			if !json.Valid(b) {
				mu.Lock()
				n++
				mu.Unlock()
			}
		}
		return nil
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://"), func() int { mu.Lock(); defer mu.Unlock(); return n }
}

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
