package builder

import (
	"bytes"
	"strings"
	"sync"
	"testing"
)

// TestIndexOutputs: an index goes to a registry or an OCI layout; the
// outputs that hold one platform say so.
func TestIndexOutputs(t *testing.T) {
	dir := t.TempDir()
	if _, err := checkIndexOutputs(Options{Tags: []string{"r.example/a:1"}, Outputs: []Output{{Type: OutputRegistry}, {Type: OutputOCI, Dest: dir + "/l"}}}, 2); err != nil {
		t.Errorf("registry + oci: %v", err)
	}
	for _, o := range []Options{
		{Outputs: []Output{{Type: OutputDocker, Dest: dir + "/x.tar"}}},
		{Outputs: []Output{{Type: OutputLocal, Dest: dir + "/fs"}}},
		{Outputs: []Output{{Type: OutputTar, Dest: dir + "/fs.tar"}}},
		{Tags: []string{"a"}, DockerOptions: DockerOptions{Load: true}},
	} {
		if _, err := checkIndexOutputs(o, 2); err == nil || !strings.Contains(err.Error(), "one platform") {
			t.Errorf("%+v: %v, want an error saying it holds one platform", o.Outputs, err)
		}
	}
}

// TestLinePrefixer: whole lines, each behind the platform, and a last
// line without an end flushed.
func TestLinePrefixer(t *testing.T) {
	var out bytes.Buffer
	var mu sync.Mutex
	l := &linePrefixer{w: &out, prefix: []byte("[linux/arm64] "), mu: &mu}
	for _, s := range []string{"STEP 1", "/2\nSTEP 2/2\nCOM", "MIT"} {
		if _, err := l.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	l.flush()
	want := "[linux/arm64] STEP 1/2\n[linux/arm64] STEP 2/2\n[linux/arm64] COMMIT\n"
	if out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}
