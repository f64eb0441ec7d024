package recovery

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"go.podman.io/storage"
)

// TestSweepLayerDirs sets up what a build killed at the wrong moment left
// (issue: TestSoakKillPrune, 1 kill in 100): a layer directory holding a
// secret whose record storage no longer keeps. The sweep must remove it
// and nothing storage records.
func TestSweepLayerDirs(t *testing.T) {
	drivers := []string{"vfs"}
	if os.Geteuid() == 0 {
		drivers = append(drivers, "overlay")
	}
	for _, driver := range drivers {
		t.Run(driver, func(t *testing.T) {
			dir := t.TempDir()
			store, err := storage.GetStore(storage.StoreOptions{
				GraphRoot: filepath.Join(dir, "root"), RunRoot: filepath.Join(dir, "run"), GraphDriverName: driver,
				GraphDriverOptions: []string{driver + ".ignore_chown_errors=true"},
			})
			if err != nil {
				t.Skipf("no %s store here: %v", driver, err)
			}
			t.Cleanup(func() { _, _ = store.Shutdown(true) })
			put := func(parent, name, body string) string {
				t.Helper()
				l, _, err := store.PutLayer("", parent, nil, "", false, nil, bytes.NewReader(tarOf(t, name, body)))
				if err != nil {
					t.Fatal(err)
				}
				return l.ID
			}
			base := put("", "base", "b")
			kept := put(base, "kept", "k")
			lost := put(base, "leak", "s3cr3t")
			ctr, err := store.CreateContainer("", []string{"other-tool"}, "", "", "", &storage.ContainerOptions{})
			if err == nil {
				t.Cleanup(func() { _ = store.DeleteContainer(ctr.ID) })
			}
			// Storage drops the record of lost but its directory stays.
			home := layerDirsHome(store)
			ldir := filepath.Join(home, lost)
			if err := os.Rename(ldir, ldir+".away"); err != nil {
				t.Fatal(err)
			}
			if err := store.DeleteLayer(lost); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(ldir+".away", ldir); err != nil {
				t.Fatal(err)
			}

			n, err := sweepLayerDirs(store)
			if err != nil || n != 1 {
				t.Errorf("sweepLayerDirs = %d, %v; want 1, nil", n, err)
			}
			if _, err := os.Lstat(ldir); !os.IsNotExist(err) {
				t.Errorf("the unrecorded layer directory is still there (%v)", err)
			}
			ls, err := store.Layers()
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range ls {
				if _, err := os.Stat(filepath.Join(home, l.ID)); err != nil {
					t.Errorf("layer %.12s storage records lost its directory: %v", l.ID, err)
				}
			}
			if !hasLayer(ls, base) || !hasLayer(ls, kept) {
				t.Errorf("recorded layers gone: %v", ls)
			}
			if n, err := sweepLayerDirs(store); n != 0 || err != nil {
				t.Errorf("a second sweep = %d, %v; want 0, nil", n, err)
			}
			assertNoFileHolds(t, filepath.Join(dir, "root"), "s3cr3t")
		})
	}
}

func hasLayer(ls []storage.Layer, id string) bool {
	for _, l := range ls {
		if l.ID == id {
			return true
		}
	}
	return false
}

func tarOf(t *testing.T, name, body string) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o400, Size: int64(len(body))}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write([]byte(body)); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// assertNoFileHolds walks root for a regular file containing s.
func assertNoFileHolds(t *testing.T, root, s string) {
	t.Helper()
	_ = filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte(s)) {
				t.Errorf("%s still holds the secret", p)
			}
		}
		return nil
	})
}
