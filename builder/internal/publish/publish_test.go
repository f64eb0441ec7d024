package publish

import (
	"reflect"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		out  Output
		tags []string
		want string // "" for accepted; else part of the error
	}{
		{"oci without dest", Output{Type: "oci"}, nil, "dest=PATH is required"},
		{"docker to stdout", Output{Type: "docker", Dest: "-"}, nil, "dest=PATH is required"},
		{"docker in a missing directory", Output{Type: "docker", Dest: "/nonexistent-dir/x.tar"}, nil, "parent directory does not exist"},
		{"registry without tags", Output{Type: "registry"}, nil, "needs at least one tag"},
		{"registry", Output{Type: "registry"}, []string{"localhost/app:latest"}, ""},
		{"load, which only --load asks for", Output{Type: "load"}, []string{"localhost/app:latest"}, "want oci, docker, local, tar or registry"},
		{"unknown", Output{Type: "zip", Dest: "x"}, nil, "want oci, docker, local, tar or registry"},
		{"local", Output{Type: "local", Dest: "out"}, nil, ""},
	} {
		_, err := Check([]Output{c.out}, c.tags)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s: Check = %v, want %q", c.name, err, c.want)
		}
	}
}

// TestCheckLeavesInputAlone: Check returns absolute paths in a new slice;
// the caller's Options keep what it wrote.
func TestCheckLeavesInputAlone(t *testing.T) {
	t.Parallel()
	in := []Output{{Type: "oci", Dest: "rel"}, {Type: "tar", Dest: "rel.tar"}}
	orig := append([]Output(nil), in...)
	out, err := Check(in, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, orig) {
		t.Errorf("Check changed its input: %v, was %v", in, orig)
	}
	for i, o := range out {
		if !strings.HasPrefix(o.Dest, "/") || !strings.HasSuffix(o.Dest, "/"+orig[i].Dest) {
			t.Errorf("output %d: dest %q, want %q made absolute", i, o.Dest, orig[i].Dest)
		}
	}
}

// TestEveryKindHasAnAction: each output type in the table either writes
// before the tags or pushes after them, never both, never neither.
func TestEveryKindHasAnAction(t *testing.T) {
	t.Parallel()
	for name, k := range kinds {
		if (k.export != nil) == k.push {
			t.Errorf("output type %s: export %v, push %v: want exactly one", name, k.export != nil, k.push)
		}
	}
}
