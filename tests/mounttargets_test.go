package tests

import (
	"path/filepath"
	"testing"
)

// TestRunMountTargetsLeftOut: the directories RUN --mount had to create
// for its targets are not in the image, as BuildKit (0.11 and later)
// leaves them out; /dev, /proc and /sys stay, as in BuildKit's images
// (docs/conformance.md).
func TestRunMountTargetsLeftOut(t *testing.T) {
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": "FROM localhost/busybox\n" +
		"RUN --mount=type=tmpfs,target=/mnt/tmpfs/deep --mount=type=cache,target=/var/cache/hush --mount=type=bind,target=/ctx true\n" +
		"RUN mkdir /kept\n"})
	layout := filepath.Join(tempDir(t), "oci")
	mustBuild(t, nil, call{args: build("-q", "--no-cache", "-o", "type=oci,dest="+layout, ctx)})
	img, err := readOCILayout(layout)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := img.fs["(dir)"].(map[string]any)
	for _, name := range []string{"mnt", "var", "ctx"} {
		if _, ok := root[name]; ok {
			t.Errorf("/%s is in the image: a mount target RUN created was kept", name)
		}
	}
	for _, name := range []string{"kept", "bin"} {
		if _, ok := root[name]; !ok {
			t.Errorf("/%s is missing from the image", name)
		}
	}
}
