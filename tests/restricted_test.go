package tests

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Restricted isolation (issue 22): the same Dockerfile, built by root in
// the container (container isolation) and by the set-up's non-root uid
// under the fake root, must give layers whose every path has the same
// type, owner and mode. The Dockerfile installs a package from a local
// source (busybox's dpkg, a .deb made here with root-, uid 7- and setuid
// files), adds a user and chowns to it, and COPYs --chown.
const ownDockerfile = `FROM {{REG}}/busybox:latest
COPY pkg/ /tmp/pkg/
RUN mkdir -p /var/lib/dpkg/info /var/lib/dpkg/updates && touch /var/lib/dpkg/status && dpkg -i /tmp/pkg/hello_1.0_all.deb && rm -rf /tmp/pkg && hello-tool
RUN echo 'app:x:1234:1234::/home/app:/bin/sh' >> /etc/passwd && echo 'app:x:1234:' >> /etc/group && mkdir -p /app/sub /home/app && echo data > /app/sub/f && chown -R app:app /app /home/app && chmod 2775 /app/sub && chown app /etc/hello.conf && test "$(stat -c %U:%G /app/sub/f)" = app:app && test "$(id -u)" = 0
COPY --chown=1234:1234 pkg/hello.txt /app/
USER app
RUN test "$(id -u):$(id -g)" = 1234:1234 && touch /home/app/made-by-app && mkdir /home/app/dir
USER root
RUN touch /home/app/made-by-root
`

// makeDeb writes pkg/hello_1.0_all.deb (and pkg/hello.txt) under dir.
func makeDeb(t *testing.T, dir string) {
	t.Helper()
	tree := filepath.Join(tempDir(t), "hello")
	writeFiles(t, tree, map[string]string{
		"DEBIAN/control":        "Package: hello\nVersion: 1.0\nArchitecture: all\nMaintainer: hush <hush@example.invalid>\nDescription: restricted isolation test\n",
		"usr/bin/hello-tool":    "#!/bin/sh\necho hello from the package\n",
		"etc/hello.conf":        "greeting=hi\n",
		"var/lib/hello/state":   "0\n",
		"usr/share/hello/READ":  "read me\n",
		"usr/lib/hello/helper":  "#!/bin/sh\n",
		"usr/lib/hello/keep/.k": "",
	})
	chmods := map[string]os.FileMode{"usr/bin/hello-tool": 0o755 | os.ModeSetuid, "etc/hello.conf": 0o640, "usr/lib/hello/helper": 0o750, "var/lib/hello": 0o750}
	for p, m := range chmods {
		if err := os.Chmod(filepath.Join(tree, p), m); err != nil {
			t.Fatal(err)
		}
	}
	if err := filepath.Walk(tree, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, 0, 0)
	}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"var/lib/hello", "var/lib/hello/state"} {
		if err := os.Lchown(filepath.Join(tree, p), 7, 8); err != nil {
			t.Fatal(err)
		}
	}
	_ = os.Chmod(filepath.Join(tree, "usr/bin/hello-tool"), 0o755|os.ModeSetuid) // chown cleared it
	pkg := filepath.Join(dir, "pkg")
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("dpkg-deb", "-Zgzip", "--build", tree, filepath.Join(pkg, "hello_1.0_all.deb")).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb: %v %s", err, out)
	}
	writeFiles(t, pkg, map[string]string{"hello.txt": "copied\n"})
}

var rootOwnBuild struct {
	sync.Once
	layers []map[string]string
	err    error
}

// assertOwnershipLikeRoot builds ownDockerfile as root (once) and in set-up
// s, and compares every path of the layers the builds made.
func assertOwnershipLikeRoot(t *testing.T, s dockerSetup, reg string) {
	t.Helper()
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": strings.ReplaceAll(ownDockerfile, "{{REG}}", reg)})
	makeDeb(t, ctx)
	// Readable by the set-up's uid, as a CI checkout is.
	for _, d := range []string{ctx, filepath.Join(ctx, "pkg"), filepath.Dir(ctx)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	rootOwnBuild.Do(func() { rootOwnBuild.layers, rootOwnBuild.err = buildOwnership(t, ctx, nil, reg+"/own-root") })
	compareWithRoot(t, s, ctx, reg+"/own-"+s.name, rootOwnBuild.layers, rootOwnBuild.err, 20)
}

// buildOwnership builds the Dockerfile in ctx in hush's image run with
// flags, pushes it as tag and reads back its layers' entries.
func buildOwnership(t *testing.T, ctx string, flags []string, tag string) ([]map[string]string, error) {
	t.Helper()
	args := append([]string{"run", "--rm", "--network", "host", "-v", ctx + ":/ctx:ro", "--entrypoint", "/hush/bin/sh"}, flags...)
	args = append(args, hushImage, "-c", "cd /ctx && hush build --tls-verify=false -t "+tag+" --push .")
	if out, err := docker(t, args...); err != nil {
		return nil, fmt.Errorf("%v\n%s", err, out)
	}
	dest := filepath.Join(tempDir(t), "oci")
	if _, err := skopeo(t, false, "copy", "-q", "--src-tls-verify=false", "docker://"+tag, "oci:"+dest+":x"); err != nil {
		return nil, err
	}
	return layerEntries(dest)
}

// compareWithRoot builds ctx in set-up s and compares every path of its
// layers with root's build (want, or rootErr), which must have at least
// min paths.
func compareWithRoot(t *testing.T, s dockerSetup, ctx, tag string, want []map[string]string, rootErr error, min int) {
	t.Helper()
	if rootErr != nil {
		t.Fatalf("the root build of %s: %v", ctx, rootErr)
	}
	got, err := buildOwnership(t, ctx, s.flags, tag)
	if err != nil {
		t.Fatalf("the %s build of %s: %v", s.name, ctx, err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d layers, root's build has %d", len(got), len(want))
	}
	n := 0
	for i := range want {
		for p, w := range want[i] {
			n++
			if g, ok := got[i][p]; !ok {
				t.Errorf("layer %d: %s missing (root's: %s)", i, p, w)
			} else if g != w {
				t.Errorf("layer %d: %s is %s, root's build gives %s", i, p, g, w)
			}
		}
		for p, g := range got[i] {
			if _, ok := want[i][p]; !ok {
				t.Errorf("layer %d: %s (%s) is not in root's build", i, p, g)
			}
		}
	}
	t.Logf("%d paths in %d layers compared with root's build", n, len(want))
	if n < min {
		t.Errorf("only %d paths compared: the builds made too little", n)
	}
}

// layerEntries reads the OCI layout's image (independently of hush and
// storage: archive/tar over the blobs) and returns, per layer, each path's
// type, owner, mode, link target and device numbers.
func layerEntries(dir string) ([]map[string]string, error) {
	var idx struct {
		Manifests []struct{ Digest string } `json:"manifests"`
	}
	var man struct {
		Layers []struct{ Digest string } `json:"layers"`
	}
	blob := func(d string) string { return filepath.Join(dir, "blobs", strings.Replace(d, ":", "/", 1)) }
	b, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &idx); err != nil || len(idx.Manifests) != 1 {
		return nil, fmt.Errorf("index.json: %v", err)
	}
	if b, err = os.ReadFile(blob(idx.Manifests[0].Digest)); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &man); err != nil {
		return nil, err
	}
	var out []map[string]string
	for _, l := range man.Layers {
		data, err := os.ReadFile(blob(l.Digest))
		if err != nil {
			return nil, err
		}
		var r io.Reader = bytes.NewReader(data)
		if len(data) > 2 && data[0] == 0x1f && data[1] == 0x8b {
			if r, err = gzip.NewReader(r); err != nil {
				return nil, err
			}
		}
		m := map[string]string{}
		tr := tar.NewReader(r)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, err
			}
			name := "/" + strings.TrimSuffix(strings.TrimPrefix(h.Name, "./"), "/")
			m[name] = fmt.Sprintf("type %c %d:%d %o link %q dev %d,%d", h.Typeflag, h.Uid, h.Gid, h.Mode&0o7777, h.Linkname, h.Devmajor, h.Devminor)
		}
		out = append(out, m)
	}
	return out, nil
}
