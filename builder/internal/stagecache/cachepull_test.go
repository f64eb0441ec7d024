package stagecache

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.podman.io/image/v5/types"
)

// TestPullCandidates: the key resolves a base where buildah would pull it
// from: a qualified name as written, a short one through registries.conf
// (an alias first, else each unqualified-search registry in order).
func TestPullCandidates(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "registries.conf")
	err := os.WriteFile(conf, []byte(`unqualified-search-registries = ["127.0.0.1:5000", "quay.io"]
short-name-mode = "permissive"
[aliases]
"tools/box" = "registry.example/tools/box"
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	sys := &types.SystemContext{SystemRegistriesConfPath: conf, SystemRegistriesConfDirPath: t.TempDir()}
	for name, want := range map[string]string{
		"busybox":                    "127.0.0.1:5000/busybox:latest,quay.io/busybox:latest",
		"lib/app:2":                  "127.0.0.1:5000/lib/app:2,quay.io/lib/app:2",
		"tools/box:1":                "registry.example/tools/box:1",
		"localhost:5000/x/y":         "localhost:5000/x/y:latest",
		"registry.example/base:1.36": "registry.example/base:1.36",
	} {
		cands, err := pullCandidates(sys, name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		var got []string
		for _, c := range cands {
			got = append(got, c.String())
		}
		if strings.Join(got, ",") != want {
			t.Errorf("%s: candidates %v, want %s", name, got, want)
		}
	}
}
