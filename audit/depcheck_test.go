package audit

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps audit independent of the builder: it reads images
// with containers/image and containers/storage, matches with secrets, and
// must never pull in buildah, the builder or the CLI.
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/hushbuild/hush/audit").CombinedOutput()
	if err != nil {
		t.Skipf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"go.podman.io/buildah", "github.com/hushbuild/hush/builder", "github.com/hushbuild/hush/cmd", "github.com/spf13/cobra"} {
			if dep == banned || strings.HasPrefix(dep, banned+"/") {
				t.Errorf("audit depends on %s", dep)
			}
		}
	}
}
