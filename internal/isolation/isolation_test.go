package isolation

import (
	"os"
	"path/filepath"
	"testing"

	"go.podman.io/image/v5/types"
)

func TestParse(t *testing.T) {
	for in, want := range map[string]Mode{"auto": Auto, "": Auto, "oci": OCI,
		"rootless": Rootless, "chroot": Chroot, "container": Container} {
		if got, err := Parse(in); err != nil || got != want {
			t.Errorf("Parse(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := Parse("vm"); err == nil {
		t.Error(`Parse("vm"): want an error`)
	}
}

// Detect answers with a mode or with the one-line error, never both, and
// the same each time (it is cached per process).
func TestDetect(t *testing.T) {
	d := Detect()
	if (d.Mode == "") == (d.Err == nil) {
		t.Fatalf("Detect() = mode %q, err %v: want exactly one", d.Mode, d.Err)
	}
	if d2 := Detect(); d2.Mode != d.Mode || d2.Why != d.Why {
		t.Errorf("Detect changed its answer: %q then %q", d.Mode, d2.Mode)
	}
	t.Logf("auto: %s (%s) err=%v", d.Mode, d.Why, d.Err)
}

// Where no policy.json or registries.conf exists, hush writes its own.
func TestFillHostDefaults(t *testing.T) {
	empty := t.TempDir()
	t.Setenv("HOME", empty)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(empty, ".config"))
	t.Setenv("CONTAINERS_POLICY_JSON", "")
	t.Setenv("CONTAINERS_REGISTRIES_CONF", "")
	sys := &types.SystemContext{RootForImplicitAbsolutePaths: empty}
	dir := t.TempDir()
	filled, err := FillHostDefaults(sys, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(filled) != 2 || sys.SignaturePolicyPath == "" || sys.SystemRegistriesConfPath == "" {
		t.Fatalf("filled %v, policy %q, registries %q: want both", filled, sys.SignaturePolicyPath, sys.SystemRegistriesConfPath)
	}
	if b, err := os.ReadFile(sys.SignaturePolicyPath); err != nil || string(b) != defaultPolicy {
		t.Errorf("policy file: %q, %v", b, err)
	}
	// Where they exist, they are the machine's.
	for _, f := range []string{"etc/containers/policy.json", "etc/containers/registries.conf"} {
		p := filepath.Join(empty, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(defaultPolicy), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sys = &types.SystemContext{RootForImplicitAbsolutePaths: empty}
	if filled, err := FillHostDefaults(sys, dir); err != nil || len(filled) != 0 {
		t.Errorf("with both files present: filled %v, %v; want nothing", filled, err)
	}
}

// BenchmarkDetect is what auto detection adds to a build, uncached: the
// forked probes and the cgroup mkdir (go test -bench Detect ./internal/isolation/).
func BenchmarkDetect(b *testing.B) {
	for i := 0; i < b.N; i++ {
		_ = detect()
	}
}
