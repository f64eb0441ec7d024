package tests

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// imageOf returns the config and manifest of a one-layer image (gzip blob,
// diffID of its tar), in docker's media types or OCI's. Its config has no
// history, as images made by hand often have: the guard then cannot tell
// the base's layers from the build's and reads them all.
func imageOf(blob []byte, diffID string, oci bool) (config, manifest []byte) {
	mt := []string{"application/vnd.docker.distribution.manifest.v2+json", "application/vnd.docker.container.image.v1+json",
		"application/vnd.docker.image.rootfs.diff.tar.gzip"}
	if oci {
		mt = []string{"application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.config.v1+json",
			"application/vnd.oci.image.layer.v1.tar+gzip"}
	}
	config, _ = json.Marshal(map[string]any{
		"architecture": runtime.GOARCH, "os": "linux", "config": map[string]any{},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{diffID}},
	})
	manifest, _ = json.Marshal(map[string]any{
		"schemaVersion": 2, "mediaType": mt[0],
		"config": map[string]any{"mediaType": mt[1], "size": len(config), "digest": digestOf(config)},
		"layers": []map[string]any{{"mediaType": mt[2], "size": len(blob), "digest": digestOf(blob)}},
	})
	return config, manifest
}

// pushImage uploads imageOf(blob, diffID) to the registry at addr as
// repo:1 through the distribution API, and returns its reference.
func pushImage(t *testing.T, addr, repo string, blob []byte, diffID string) string {
	t.Helper()
	config, manifest := imageOf(blob, diffID, false)
	for _, b := range [][]byte{config, blob} {
		resp, err := http.Post("http://"+addr+"/v2/"+repo+"/blobs/uploads/", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusAccepted || loc == "" {
			t.Fatalf("starting a blob upload: %s", resp.Status)
		}
		if !strings.HasPrefix(loc, "http") {
			loc = "http://" + addr + loc
		}
		sep := "?"
		if strings.Contains(loc, "?") {
			sep = "&"
		}
		put(t, loc+sep+"digest="+digestOf(b), "application/octet-stream", b)
	}
	put(t, "http://"+addr+"/v2/"+repo+"/manifests/1", "application/vnd.docker.distribution.manifest.v2+json", manifest)
	return addr + "/" + repo + ":1"
}

// writeLayout writes imageOf(blob, diffID) as an OCI layout under dir,
// tagged 1, readable by the mode's user, and returns its oci: reference.
func writeLayout(t *testing.T, dir string, blob []byte, diffID string) string {
	t.Helper()
	config, manifest := imageOf(blob, diffID, true)
	index, _ := json.Marshal(map[string]any{"schemaVersion": 2, "manifests": []map[string]any{{
		"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": len(manifest), "digest": digestOf(manifest),
		"annotations": map[string]string{"org.opencontainers.image.ref.name": "1"}}}})
	files := map[string][]byte{"oci-layout": []byte(`{"imageLayoutVersion":"1.0.0"}`), "index.json": index}
	for _, b := range [][]byte{config, manifest, blob} {
		files["blobs/sha256/"+strings.TrimPrefix(digestOf(b), "sha256:")] = b
	}
	for name, b := range files {
		p := filepath.Join(dir, name)
		if _, err := mkdirOwned(filepath.Dir(p)); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return "oci:" + dir + ":1"
}

func put(t *testing.T, url, ctype string, body []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("PUT %s: %s %s", url, resp.Status, msg)
	}
}

func digestOf(b []byte) string { return fmt.Sprintf("sha256:%x", sha256.Sum256(b)) }

func gzipped(t *testing.T, b []byte) []byte {
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

// climbingLayer is a layer tar: a plain file, then a member whose name
// climbs from / to target ("/../../…/dev/zero"). storage unpacks it inside
// the layer, but rebuilding the layer from its tar-split metadata opened
// the raw name beneath the layer's directory, that is, target itself.
func climbingLayer(t *testing.T, target string, size int) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	members := []struct{ name, body string }{
		{"ok.txt", "nothing here\n"},
		{"/" + strings.Repeat("../", 24) + strings.TrimPrefix(target, "/"), strings.Repeat("x", size)},
	}
	for _, m := range members {
		if err := tw.WriteHeader(&tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(m.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestClimbingLayerNames: a base image whose layer has a member named to
// climb out of the layer, at a FIFO (the guard hung forever), /dev/zero
// (it read without end) or a host file holding the build's secret (its
// bytes were read as the layer's). Pulled as a FROM base, the build is
// refused "scan incomplete" naming the member, promptly, with nothing
// tagged; hush audit of it, from the registry and from the store, exits 2.
func TestClimbingLayerNames(t *testing.T) {
	addr := startRegistry(t)
	host := tempDir(t)
	fifo := filepath.Join(host, "fifo")
	if err := syscall.Mkfifo(fifo, 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(fifo, suite.uid, suite.gid); err != nil {
		t.Fatal(err)
	}
	c := newCanary(t)
	hostFile := filepath.Join(host, "token")
	writeFile(t, hostFile, c.value, 0o644)
	for _, tc := range []struct{ name, target string }{{"fifo", fifo}, {"zero", "/dev/zero"}, {"hostfile", hostFile}} {
		t.Run(tc.name, func(t *testing.T) {
			layer := climbingLayer(t, tc.target, len(c.value))
			ref := pushImage(t, addr, "climb-"+tc.name, gzipped(t, layer), digestOf(layer))
			files := map[string]string{"Dockerfile": "FROM " + ref + "\nCOPY a.txt /a.txt\n", "a.txt": "a\n"}
			start := time.Now()
			r, tag, out := guardBuild(t, c, files, []string{"--tls-verify=false", "--secret", "id=tok,env=TOK"}, []string{"TOK=" + c.value})
			took := time.Since(start)
			if took > 90*time.Second {
				t.Errorf("the refused build took %s, want it prompt", took.Round(time.Second))
			}
			if r.code != 3 || !strings.Contains(r.stderr, "scan incomplete") || !strings.Contains(r.stderr, "absolute name") {
				t.Errorf("exit %d, want 3 with \"scan incomplete\" naming the member\nstderr:\n%s", r.code, c.mask(r.stderr))
			}
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing from a refused build", r.stdout)
			}
			assertUntagged(t, tag)
			if _, err := os.Lstat(out); !os.IsNotExist(err) {
				t.Errorf("the -o output %s exists (%v) after a refused build", out, err)
			}
			t.Logf("refused: %s", c.mask(r.stderr[strings.LastIndex(strings.TrimSpace(r.stderr), "\n")+1:]))
			// The registry's image as audit reads it, and a copy in the
			// store (read back through tar-split: the build removed the
			// one it pulled with what it built).
			local := "localhost/e2e-climb-" + tc.name + ":latest"
			if _, err := skopeo(t, true, "copy", "-q", "--src-tls-verify=false", "docker://"+ref, storeRef(suite.root, suite.runRoot, local)); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _, _ = skopeo(t, true, "delete", storeRef(suite.root, suite.runRoot, local)) })
			for _, img := range []string{"docker://" + ref, local} {
				rep := runHush(t, c, call{args: []string{"audit", "--tls-verify=false", "--root", suite.root, "--runroot", suite.runRoot,
					"--secret", "id=tok,env=TOK", img}, env: []string{"TOK=" + c.value}})
				t.Logf("audit: %s", c.mask(rep.stderr))
				if rep.code != 2 || !strings.Contains(rep.stdout+rep.stderr, "scan incomplete") {
					t.Errorf("hush audit %s: exit %d, want 2 with \"scan incomplete\"\nstdout:\n%s\nstderr:\n%s", img, rep.code, c.mask(rep.stdout), c.mask(rep.stderr))
				}
			}
		})
	}
}

// TestSparseLayerMember: a layer holding a sparse member of 1 TiB apparent
// size (GNU tar --sparse, a few KiB on the wire). Its holes are charged to
// the scan's budget: hush audit refuses it "scan incomplete", exit 2, in
// seconds (it scanned zeros for minutes).
func TestSparseLayerMember(t *testing.T) {
	if _, err := exec.LookPath("tar"); err != nil {
		t.Skip("GNU tar is not installed")
	}
	addr := startRegistry(t)
	dir := t.TempDir()
	big := filepath.Join(dir, "sparse.bin")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("data at the end"), 1<<40); err != nil {
		f.Close()
		t.Skipf("this filesystem holds no 1 TiB sparse file: %v", err)
	}
	f.Close()
	layer, err := exec.Command("tar", "--sparse", "--format=gnu", "-C", dir, "-cf", "-", "sparse.bin").Output()
	if err != nil {
		t.Fatalf("tar --sparse: %v", err)
	}
	t.Logf("sparse layer: %d bytes of tar for 1 TiB of content", len(layer))
	ref := pushImage(t, addr, "sparse", gzipped(t, layer), digestOf(layer))
	start := time.Now()
	r := runHush(t, nil, call{args: []string{"audit", "--tls-verify=false", "docker://" + ref}})
	took := time.Since(start)
	if r.code != 2 || !strings.Contains(r.stdout+r.stderr, "scan incomplete") || !strings.Contains(r.stdout+r.stderr, "sparse holes") {
		t.Errorf("hush audit: exit %d, want 2 with \"scan incomplete\" and the holes\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if took > 30*time.Second {
		t.Errorf("hush audit took %s, want seconds", took.Round(time.Second))
	}
}

// zerosLayer is a gzip layer blob of one member holding n GiB of zeros,
// made cheaply: gzip members concatenate, so one compressed GiB of zeros
// repeats. Its diffID is not computed (audit does not check it).
func zerosLayer(t *testing.T, n int) []byte {
	t.Helper()
	var hdr bytes.Buffer
	tw := tar.NewWriter(&hdr)
	if err := tw.WriteHeader(&tar.Header{Name: "zeros", Mode: 0o644, Size: int64(n) << 30, Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	gib := gzipped(t, make([]byte, 1<<30))
	blob := gzipped(t, hdr.Bytes())
	for range n {
		blob = append(blob, gib...)
	}
	return append(blob, gzipped(t, make([]byte, 1024))...)
}

// TestSignalStopsScan: SIGTERM or SIGINT in the middle of one member's
// scan (16 GiB of zeros, from an OCI layout: a file read no context
// cancels) ends hush audit promptly; reads were cancellable only between
// members.
func TestSignalStopsScan(t *testing.T) {
	ref := writeLayout(t, tempDir(t), zerosLayer(t, 16), "sha256:"+strings.Repeat("0", 64))
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := command(t.Context(), nil, suite.hush, "audit", ref)
			var out syncBuffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			time.Sleep(3 * time.Second) // past start-up and the pull of the blob's head
			pid := cmd.Process.Pid
			if suite.user != "" { // cmd is runuser: signal hush itself
				for _, p := range descendants(pid) {
					if isHush(p) {
						pid = p
						break
					}
				}
			}
			sent := time.Now()
			if err := syscall.Kill(pid, sig); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-exited:
				t.Logf("hush audit exited (%v) %s after %s", err, time.Since(sent).Round(time.Millisecond), sig)
				if err == nil {
					t.Errorf("hush audit exited 0 after %s, want a failure\n%s", sig, out.String())
				}
			case <-time.After(5 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
				t.Fatalf("hush audit still ran 5s after %s", sig)
			}
		})
	}
}
