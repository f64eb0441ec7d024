package tests

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// reproDockerfile reads the secret through --mount and through target=
// (the file is there in every step) and writes only deterministic files,
// unless LEAKY is set: then a step writes a digest of the secret, which
// the guard cannot recognise but which differs with the value.
const reproDockerfile = `FROM localhost/busybox
ARG LEAKY
RUN --mount=type=secret,id=tok sh -c 'mkdir -p /out && test -s /run/secrets/tok && echo mounted > /out/mount && seq 1 200 > /out/seq'
RUN sh -c 'test -s /etc/app/token && echo injected > /out/target && if [ -n "$LEAKY" ]; then sha256sum < /etc/app/token > /out/digest; fi'
COPY Dockerfile /out/Dockerfile
`

// TestReproDifferential builds one Dockerfile with two different secret
// values and pinned timestamps: the two OCI layouts hush writes must be
// the same bytes, so nothing that depends on the value reached the image.
// The pinned time comes from --source-date-epoch or $SOURCE_DATE_EPOCH.
func TestReproDifferential(t *testing.T) {
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": reproDockerfile})
	tag := tagFor(t, "")
	layout := func(t *testing.T, c *canary, epochFlag bool, extra ...string) string {
		t.Helper()
		dest := filepath.Join(tempDir(t), "oci")
		// --no-cache: secret values are not in the stage cache's key, so
		// the second build would be the first's image and prove nothing.
		args := []string{"-q", "--no-cache", "-t", tag, "-o", "type=oci,dest=" + dest,
			"--secret", "id=tok,env=HUSH_E2E_TOKEN", "--secret", "id=app,env=HUSH_E2E_TOKEN,target=/etc/app/token"}
		env := []string{"HUSH_E2E_TOKEN=" + c.value}
		if epochFlag {
			args = append(args, "--source-date-epoch", "1700000000")
		} else {
			env = append(env, "SOURCE_DATE_EPOCH=1700000000")
		}
		mustBuild(t, c, call{args: build(append(append(args, extra...), ctx)...), env: env})
		walkLayout(t, dest, "latest", c)
		return dest
	}
	a, b := newCanary(t), newCanary(t)
	for _, tc := range []struct {
		name string
		flag bool
	}{{"--source-date-epoch", true}, {"SOURCE_DATE_EPOCH", false}} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := compareTrees(t, layout(t, a, tc.flag), layout(t, b, tc.flag)); len(diff) > 0 {
				t.Errorf("the layouts built with two secret values differ: %v", diff)
			}
		})
	}
	// The comparison can fail: with LEAKY, a digest of the value reaches
	// the image, and the layouts differ.
	t.Run("control", func(t *testing.T) {
		if diff := compareTrees(t, layout(t, a, true, "--build-arg", "LEAKY=1"), layout(t, b, true, "--build-arg", "LEAKY=1")); len(diff) == 0 {
			t.Errorf("a step wrote a digest of the secret, yet the layouts are the same: the comparison proves nothing")
		}
	})
}

// compareTrees lists the files (relative paths) that differ between two
// directories, or exist in only one; it fails if either is empty.
func compareTrees(t *testing.T, x, y string) []string {
	t.Helper()
	fx, fy := readTree(t, x), readTree(t, y)
	if len(fx) < 3 || len(fy) < 3 {
		t.Fatalf("%s has %d files, %s %d: not image layouts", x, len(fx), y, len(fy))
	}
	var diff []string
	for p, bx := range fx {
		if by, ok := fy[p]; !ok || !bytes.Equal(bx, by) {
			diff = append(diff, p)
		}
	}
	for p := range fy {
		if _, ok := fx[p]; !ok {
			diff = append(diff, p+" (only in the second)")
		}
	}
	sort.Strings(diff)
	return diff
}

func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if !d.Type().IsRegular() {
			files[rel] = []byte("non-regular " + d.Type().String())
			return nil
		}
		b, err := os.ReadFile(p)
		files[rel] = b
		return err
	})
	if err != nil {
		t.Fatalf("reading %s: %v", dir, err)
	}
	return files
}
