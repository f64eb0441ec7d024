package hush_test

import (
	"encoding/json"
	"os/exec"
	"testing"
)

// TestGoInstallable keeps `go install github.com/hushbuild/hush/cmd/hush@version`
// possible: the go command refuses it for a module whose go.mod has replace
// or exclude directives (they would make the module build differently as a
// dependency than as the main module). go.mod is read by the go command
// itself. scripts/goinstall.sh runs the install for real (a minute: not
// here); docs/release.md.
func TestGoInstallable(t *testing.T) {
	out, err := exec.Command("go", "mod", "edit", "-json", "go.mod").Output()
	if err != nil {
		t.Fatalf("go mod edit -json: %v", err)
	}
	var mod struct {
		Replace []struct {
			Old, New struct{ Path, Version string }
		}
		Exclude []struct{ Path, Version string }
	}
	if err := json.Unmarshal(out, &mod); err != nil {
		t.Fatalf("go mod edit -json: %v", err)
	}
	for _, r := range mod.Replace {
		t.Errorf("go.mod replaces %s %s with %s %s: go install …@version refuses it", r.Old.Path, r.Old.Version, r.New.Path, r.New.Version)
	}
	for _, e := range mod.Exclude {
		t.Errorf("go.mod excludes %s %s: go install …@version refuses it", e.Path, e.Version)
	}
}
