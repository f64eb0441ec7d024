package rundir

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestOwnerAliveWithSuffix(t *testing.T) {
	me := OwnerTag()
	for _, name := range []string{me, me + "-0a1b2c3d", me + "-0a1b2c3d-7"} {
		if !OwnerAlive(name) {
			t.Errorf("OwnerAlive(%q) = false for this very process", name)
		}
	}
	pid, start, _ := strings.Cut(me, "-")
	for _, name := range []string{pid + "-1" + start, "x-" + start, pid, ""} {
		if OwnerAlive(name) {
			t.Errorf("OwnerAlive(%q) = true", name)
		}
	}
}

func TestBundleOf(t *testing.T) {
	env := func(name string) []byte {
		return []byte("\nengine=\"buildah-1.45\"\nname=" + strconv.Quote(name) + "\nid=\"abc\"\n")
	}
	const suffix = "hush-12-345-0a1b2c3d"
	for name, want := range map[string]bool{
		"busybox-" + suffix:          true,
		"busybox-" + suffix + "-42":  true,
		"busybox-" + suffix + "ff":   false,
		"busybox-hush-12-345-ffffff": false,
	} {
		if got := bundleOf(env(name), suffix); got != want {
			t.Errorf("bundleOf(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestSquattedBaseRecovers: another user's directory at the usual name
// makes hush use a private one beside it and say so, never fail.
func TestSquattedBaseRecovers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to make a directory owned by another uid")
	}
	parent, err := os.MkdirTemp("/dev/shm", "hush-squat-test-")
	if err != nil || !IsTmpfs(parent) {
		t.Skip("no tmpfs at /dev/shm")
	}
	defer os.RemoveAll(parent)
	t.Setenv("HUSH_TMPFS", parent)
	squatted := filepath.Join(parent, "hush-0")
	if err := os.Mkdir(squatted, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(squatted, 4242, 4242); err != nil {
		t.Fatal(err)
	}
	base, note, err := TmpfsBaseNote()
	if err != nil {
		t.Fatal(err)
	}
	if base == squatted || !strings.HasPrefix(base, squatted+".") {
		t.Errorf("base = %q, want a private hush-0.* beside the squatted one", base)
	}
	if !strings.Contains(note, squatted) || !strings.Contains(note, base) || strings.Contains(note, "\n") {
		t.Errorf("note = %q, want one line naming both directories", note)
	}
	again, _, err := TmpfsBaseNote()
	if err != nil || again != base {
		t.Errorf("second call = %q, %v; want the same %q (so sweeps find it)", again, err, base)
	}
}
