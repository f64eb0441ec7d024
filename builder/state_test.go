package builder

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"go.podman.io/storage"

	"github.com/hushbuild/hush/secrets"
)

// fakeStore answers the two calls buildStore overrides; any other call
// panics (nil embedded interface), which the test would show.
type fakeStore struct {
	storage.Store
	next int
}

func (f *fakeStore) CreateContainer(string, []string, string, string, string, *storage.ContainerOptions) (*storage.Container, error) {
	f.next++
	return &storage.Container{ID: "ctr" + strconv.Itoa(f.next), Names: []string{"busybox-working-container"}}, nil
}

func (f *fakeStore) ContainerDirectory(id string) (string, error) { return "/graphroot/" + id, nil }

func (f *fakeStore) DeleteContainer(string) error { return nil }

func TestBuildStoreMovesOnlyItsContainers(t *testing.T) {
	dir := t.TempDir()
	s := newBuildStore(&fakeStore{}, dir)
	c, err := s.CreateContainer("", nil, "", "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.ContainerDirectory(c.ID)
	if err != nil || got != filepath.Join(dir, c.ID) {
		t.Errorf("ContainerDirectory(own) = %q, %v; want %q", got, err, filepath.Join(dir, c.ID))
	}
	if fi, err := os.Stat(got); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("own container directory: %v, %v; want a 0700 directory", fi, err)
	}
	if err := s.SetContainerDirectoryFile(c.ID, "secrets/x", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if b, err := s.FromContainerDirectory(c.ID, "secrets/x"); err != nil || string(b) != "v" {
		t.Errorf("FromContainerDirectory = %q, %v", b, err)
	}
	if byName, _ := s.ContainerDirectory("busybox-working-container"); byName != got {
		t.Errorf("ContainerDirectory(own name) = %q, want %q (buildah asks by name too)", byName, got)
	}
	if got, _ := s.ContainerDirectory("someone-elses"); got != "/graphroot/someone-elses" {
		t.Errorf("ContainerDirectory(other) = %q, want the real store's", got)
	}
	if err := s.DeleteContainer(c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, c.ID)); !os.IsNotExist(err) {
		t.Errorf("the container's tmpfs directory outlived DeleteContainer: %v", err)
	}
}

func TestDeliveryPlacesPrivateFiles(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "tok")
	if err := os.WriteFile(src, []byte("canary-file-value"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The second value comes from a store (as the CLI's env= secrets do),
	// so no test puts a secret in the process environment.
	store := secrets.MapStore{"e": []byte("canary-env-value")}
	d, err := deliver(context.Background(), []secrets.Spec{{ID: "f", Src: src}, {ID: "e", Arg: "TOKEN"}}, store)
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	bdir := filepath.Join(dir, "build")
	if err := os.Mkdir(bdir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := d.place(bdir); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"f": "canary-file-value", "e": "canary-env-value"}
	for i, spec := range d.specs {
		id := []string{"f", "e"}[i]
		path := filepath.Join(bdir, "secrets", strconv.Itoa(i))
		if spec != "id="+id+",src="+path+",type=file" {
			t.Errorf("spec %d = %q", i, spec)
		}
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != 0o400 {
			t.Errorf("%s: %v, %v; want mode 0400", path, fi, err)
		}
		if b, _ := os.ReadFile(path); string(b) != want[id] {
			t.Errorf("%s holds %q, want %q", path, b, want[id])
		}
		if strings.Contains(spec, want[id]) {
			t.Errorf("spec %d holds the value", i)
		}
	}
	if len(d.runMounts) != 1 || d.runMounts[0] != "type=secret,id=e,env=TOKEN" {
		t.Errorf("runMounts = %q", d.runMounts)
	}
	if _, err := deliver(context.Background(), []secrets.Spec{{ID: "a", Src: src}, {ID: "a", Src: src}}, nil); err == nil {
		t.Error("an id given twice was accepted")
	}
}

// TestSharedLogRedactsEveryLiveBuild: the process-wide log hides the
// secrets of every build running at the time, and a finished build's
// patterns go with it.
func TestSharedLogRedactsEveryLiveBuild(t *testing.T) {
	var out bytes.Buffer
	l := &sharedLog{out: &out, vals: map[*int][]secrets.Secret{}}
	a := l.register([]secrets.Secret{secrets.New("a", []byte("canary-aaaa-1111"))})
	b := l.register([]secrets.Secret{secrets.New("b", []byte("canary-bbbb-2222"))})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = l.Write([]byte("warn: a=canary-aaaa-1111 b=canary-bbbb-2222\n"))
		}()
	}
	wg.Wait()
	if s := out.String(); strings.Contains(s, "canary-") || strings.Count(s, "\n") != 8 {
		t.Errorf("log while both run:\n%s", s)
	}
	a()
	out.Reset()
	_, _ = l.Write([]byte("b=canary-bbbb-2222\n"))
	if strings.Contains(out.String(), "canary-bbbb") {
		t.Errorf("a live build's secret reached the log after another ended: %q", out.String())
	}
	b()
	out.Reset()
	_, _ = l.Write([]byte("plain line\n"))
	if out.String() != "plain line\n" {
		t.Errorf("with no build running the log is %q", out.String())
	}
}

func TestGuardHasNoSwitchInTheShippedBuild(t *testing.T) {
	t.Setenv("HUSH_BENCH_DISABLE_GUARD", "1")
	if benchGuardOff() {
		t.Fatal("HUSH_BENCH_DISABLE_GUARD turns the guard off in a build without the hush_bench_noguard tag")
	}
}
