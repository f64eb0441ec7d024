package tests

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLeakCheckCatchesPlants proves the leak check can fail: it must find
// a canary planted in each form and place it looks, first in blobs made
// here, then in a real image hush built with the canary copied in (not
// given as a secret, so hush has no reason to refuse it).
func TestLeakCheckCatchesPlants(t *testing.T) {
	c := newCanary(t)
	zipped := func(b []byte) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(b)
		_ = zw.Close()
		return buf.Bytes()
	}
	layer := func(name string, body []byte) []byte {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		_ = tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
		_, _ = tw.Write(body)
		_ = tw.Close()
		return buf.Bytes()
	}
	plants := map[string][]byte{
		"plain":                 []byte("x" + c.value + "y"),
		"hex":                   []byte("cafe" + c.forms["hex"]),
		"gzip":                  zipped([]byte("pre " + c.value)),
		"layer file":            zipped(layer("etc/app.conf", []byte("token="+c.value+"\n"))),
		"gzip in a layer":       zipped(layer("backup.gz", zipped([]byte(c.value)))),
		"file name in a layer":  zipped(layer("cache/"+c.value, nil)),
		"json":                  []byte(`{"Env":["TOKEN=` + c.value + `"]}`),
		"base64 at offset 0":    []byte(base64.StdEncoding.EncodeToString([]byte(c.value + "\n"))),
		"base64 at offset 1":    []byte(base64.StdEncoding.EncodeToString([]byte("a" + c.value))),
		"base64 at offset 2":    []byte(base64.StdEncoding.EncodeToString([]byte("ab" + c.value + "cd"))),
		"base64url in a config": []byte(`{"Labels":{"k":"` + base64.URLEncoding.EncodeToString([]byte("{\"auth\":\""+c.value+"\"}")) + `"}}`),
	}
	for name, data := range plants {
		if leaks := scanBlob(t, c, name, data); len(leaks) == 0 {
			t.Errorf("the leak check missed the canary planted as %s", name)
		}
	}
	clean := zipped(layer("etc/app.conf", []byte("token="+newCanary(t).value+"\n")))
	if leaks := scanBlob(t, c, "clean", clean); len(leaks) != 0 {
		t.Errorf("the leak check reports another value as the canary: %v", leaks)
	}

	// Left on the machine.
	start := time.Now()
	plant := filepath.Join("/var/tmp", "hush-e2e-plant-"+randHex(t, 4))
	if err := os.WriteFile(plant, []byte("x"+c.value), 0o600); err != nil {
		t.Fatal(err)
	}
	found := findResidue(c, start)
	os.Remove(plant)
	if len(found) != 1 || !strings.Contains(found[0], plant) {
		t.Errorf("the residue check found %v, want the file planted at %s", found, plant)
	}

	// End to end: planted in a real image, read back through skopeo.
	tag, id, _ := buildIn(t, nil, contextBuild{
		dockerfile: "FROM localhost/busybox\nCOPY planted.txt /run/secrets/s\n",
		files:      map[string]string{"planted.txt": "found " + c.value + "\n"},
	})
	dir := exportImage(t, tag)
	if leaks := findLeaks(t, dir, c); len(leaks) == 0 {
		t.Errorf("the leak check missed a canary planted in image %s", id)
	}
	img := readImage(t, dir, "x")
	if !img.nonDirs["/run/secrets/s"] {
		t.Errorf("the image walk missed the file planted at /run/secrets/s")
	}
	if got := img.file(t, "/run/secrets/s"); !strings.Contains(got, c.value) {
		t.Errorf("the image walk read /run/secrets/s as %q", got)
	}
}

// TestStoreChecksCanFail proves the store checks read what storage writes.
func TestStoreChecksCanFail(t *testing.T) {
	dir := tempDir(t)
	for _, f := range []string{"overlay-containers/containers.json", "overlay-images/images.json"} {
		if _, err := mkdirOwned(filepath.Join(dir, filepath.Dir(f))); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(dir, "overlay-containers/containers.json"), `[{"id":"0123456789abcdef","names":["busybox-working-container-hush-1-2"]}]`, 0o600)
	writeFile(t, filepath.Join(dir, "overlay-images/images.json"), `[{"id":"fedcba","names":["localhost/x:latest"]}]`, 0o600)
	if left := containersLeft(t, dir, filepath.Join(dir, "run")); len(left) != 1 {
		t.Errorf("containersLeft = %v, want the one container recorded", left)
	}
	if names := imageNames(t, dir); len(names) != 1 || names[0] != "localhost/x:latest" {
		t.Errorf("imageNames = %v, want [localhost/x:latest]", names)
	}
}
