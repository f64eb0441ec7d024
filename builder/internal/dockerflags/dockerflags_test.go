package dockerflags

import (
	"reflect"
	"testing"
)

func TestMergeUlimits(t *testing.T) {
	got, err := mergeUlimits([]string{"nofile=4096:4096", "nproc=100:100"}, []string{"nofile=512:1024", "core=0"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"nofile=512:1024", "nproc=100:100", "core=0"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("mergeUlimits = %v, want %v", got, want)
	}
	for _, bad := range []string{"nofile", "bogus=1", "nofile=2:1", "nofile=a"} {
		if _, err := mergeUlimits(nil, []string{bad}); err == nil {
			t.Errorf("mergeUlimits(%q): no error", bad)
		}
	}
}

func TestAddHost(t *testing.T) {
	for in, want := range map[string]string{
		"mirror:10.0.0.1":     "mirror:10.0.0.1",
		"mirror=10.0.0.1":     "mirror:10.0.0.1",
		"v6=fd00::1":          "v6:fd00::1",
		"gw:host-gateway":     "gw:host-gateway",
		"mirror:not-an-ip":    "",
		":10.0.0.1":           "",
		"no separator at all": "",
	} {
		got, err := addHost(in)
		if want == "" {
			if err == nil {
				t.Errorf("addHost(%q) = %q, want an error", in, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("addHost(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
