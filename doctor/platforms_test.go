package doctor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPlatformCheck(t *testing.T) {
	dir := t.TempDir()
	c := platformCheck(dir)
	if c.Status != Warn || !strings.Contains(c.Fix, "mount -t binfmt_misc") {
		t.Errorf("no binfmt_misc: %+v", c)
	}
	if err := os.WriteFile(filepath.Join(dir, "register"), nil, 0o200); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"qemu-aarch64", "qemu-x86_64", "qemu-arm", "qemu-ppc64le", "qemu-s390x", "qemu-riscv64"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("enabled\ninterpreter /usr/libexec/qemu-binfmt/x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if c := platformCheck(dir); c.Status != OK || !strings.Contains(c.Detail, "linux/s390x via binfmt_misc") {
		t.Errorf("every handler registered: %+v", c)
	}
}
