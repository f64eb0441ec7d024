package guard

import (
	"os"
	"testing"

	"go.podman.io/storage/pkg/reexec"
)

// TestMain lets storage re-execute the test binary (it applies layers in a
// chroot'ed child), as a program's main does.
func TestMain(m *testing.M) {
	if reexec.Init() {
		return
	}
	os.Exit(m.Run())
}
