package builder

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hushbuild/hush/secrets"
)

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

func TestGuardHasNoSwitchInTheShippedBuild(t *testing.T) {
	t.Setenv("HUSH_BENCH_DISABLE_GUARD", "1")
	if benchGuardOff() {
		t.Fatal("HUSH_BENCH_DISABLE_GUARD turns the guard off in a build without the hush_bench_noguard tag")
	}
}
