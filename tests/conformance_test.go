package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// conformanceCase is one case of buildah v1.45.0's tests/conformance, as
// tests/testdata/conformance/gen.go wrote it into cases.json.
type conformanceCase struct {
	Name                 string            `json:"name"`
	Dockerfile           string            `json:"dockerfile"`
	DockerfileContents   string            `json:"dockerfileContents"`
	ContextDir           string            `json:"contextDir"`
	Dockerignore         *string           `json:"dockerignore"`
	Tweak                bool              `json:"tweak"`
	ShouldFailAt         int               `json:"shouldFailAt"`
	WithoutDocker        bool              `json:"withoutDocker"`
	TransientMounts      []string          `json:"transientMounts"`
	FSSkip               []string          `json:"fsSkip"`
	FailOnExtraFSContent bool              `json:"failOnExtraFSContent"`
	BuildArgs            map[string]string `json:"buildArgs"`
}

// conformanceDir holds buildah's testdata and the case table.
var conformanceDir string // suite.repo's tests/testdata/conformance

// testDate is the suite's: the Dockerfile's and the context's mtime.
var testDate = time.Unix(1485449953, 0)

// confBases are the base images the cases name that this test makes
// offline: both stand for the suite's localhost/busybox, in hush's store
// and in docker's.
var confBases = []string{"mirror.gcr.io/busybox:latest", "mirror.gcr.io/alpine:latest"}

// TestConformance runs buildah v1.45.0's conformance cases (its testdata,
// pinned in tests/testdata/conformance) through hush and through docker's
// classic builder, the reference here, and compares the images as that
// suite does. Every difference must be one conformanceExceptions lists
// (docs/conformance.md gives the reasons); the test logs the tally.
func TestConformance(t *testing.T) {
	if suite.user != "" {
		t.Skip("root mode only: docker builds the reference")
	}
	if err := exec.Command("docker", "version", "--format", "{{.Server.Version}}").Run(); err != nil {
		t.Skip("no Docker engine answers: nothing to compare with")
	}
	conformanceDir = filepath.Join(suite.repo, "tests", "testdata", "conformance")
	var cases []conformanceCase
	b, err := os.ReadFile(filepath.Join(conformanceDir, "cases.json"))
	if err == nil {
		err = json.Unmarshal(b, &cases)
	}
	if err != nil {
		t.Fatalf("reading the cases: %v", err)
	}
	loadConformanceBases(t)
	trueBin := buildTrue(t)

	var mu sync.Mutex
	tally := map[string]int{}
	workers := make(chan struct{}, 2)
	t.Cleanup(func() {
		t.Logf("conformance vs docker %s (classic builder): %d/%d identical, %d differ only as documented, %d differ otherwise, %d failed to build, %d skipped",
			dockerVersion(), tally["identical"], tally["identical"]+tally["excepted"]+tally["differs"], tally["excepted"], tally["differs"],
			tally["failed"], tally["skipped"])
	})
	seen := map[string]int{}
	for _, c := range cases {
		name := c.Name
		if seen[name]++; seen[name] > 1 {
			name = fmt.Sprintf("%s#%d", name, seen[name])
		}
		t.Run(name, func(t *testing.T) {
			if why := conformanceSkip(c); why != "" {
				mu.Lock()
				tally["skipped"]++
				mu.Unlock()
				t.Skip(why)
			}
			t.Parallel()
			workers <- struct{}{}
			defer func() { <-workers }()
			outcome := "failed" // until runConformanceCase returns
			defer func() {
				mu.Lock()
				tally[outcome]++
				mu.Unlock()
			}()
			outcome = runConformanceCase(t, name, c, trueBin)
		})
	}
}

// runConformanceCase builds c both ways and compares; it returns
// "identical" or "excepted" (failing t on any other difference).
func runConformanceCase(t *testing.T, name string, c conformanceCase, trueBin string) string {
	ctxDir, dockerfile := conformanceContext(t, c, trueBin)
	dir := tempDir(t)
	var args []string
	for _, k := range mapsKeys(c.BuildArgs) {
		args = append(args, "--build-arg", k+"="+c.BuildArgs[k])
	}
	// The two builders run side by side: they share nothing but the
	// context, which both only read.
	dockerArchive := filepath.Join(dir, "docker.tar")
	var derr error
	done, tag := make(chan struct{}), "hush-conformance-"+randHex(t, 8)
	go func() {
		defer close(done)
		derr = dockerBuild(ctxDir, dockerfile, tag, args, dockerArchive)
	}()
	layout := filepath.Join(dir, "oci")
	hctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// Not runHush: it fails a test that finds any container in the store,
	// and the other worker's build has one.
	hout, herr := command(hctx, nil, suite.hush, build(append(append([]string{"-q", "--no-cache", "-f", filepath.Join(ctxDir, dockerfile),
		"-o", "type=oci,dest=" + layout}, args...), ctxDir)...)...).CombinedOutput()
	<-done
	if c.ShouldFailAt != 0 {
		if derr == nil || herr == nil {
			t.Fatalf("want both builds to fail: docker %v, hush %v\n%s", derr, herr, hout)
		}
		return "identical"
	}
	if derr != nil {
		t.Fatalf("docker build: %v", derr)
	}
	if herr != nil {
		t.Fatalf("hush build: %v\n%s", herr, hout)
	}
	dimg, err := readDockerArchive(dockerArchive)
	if err != nil {
		t.Fatalf("docker's image: %v", err)
	}
	himg, err := readOCILayout(layout)
	if err != nil {
		t.Fatalf("hush's image: %v", err)
	}
	diffs, err := compareImages(dimg, himg, c.FSSkip, c.FailOnExtraFSContent)
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) == 0 {
		return "identical"
	}
	outcome := "excepted"
	for _, d := range diffs {
		if why := conformanceExcepted(name, d); why != "" {
			t.Logf("documented difference: %s: %s", d, why)
			continue
		}
		outcome = "differs"
		t.Errorf("difference: %s", d)
	}
	if outcome == "differs" {
		t.Logf("Dockerfile:\n%s", readFileOr(filepath.Join(ctxDir, dockerfile)))
	}
	return outcome
}

// dockerBuild builds with docker's classic builder (DOCKER_BUILDKIT=0, as
// docker 20.10 does without buildx) and saves the image to archive.
func dockerBuild(ctxDir, dockerfile, tag string, args []string, archive string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker", append(append([]string{"build", "-q", "--no-cache", "--rm", "--force-rm",
		"-t", tag, "-f", filepath.Join(ctxDir, dockerfile)}, args...), ctxDir)...)
	cmd.Env = append(os.Environ(), "DOCKER_BUILDKIT=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v\n%s", err, out)
	}
	defer func() { _ = exec.Command("docker", "rmi", "-f", tag).Run() }()
	if out, err := exec.CommandContext(ctx, "docker", "save", "-o", archive, tag).CombinedOutput(); err != nil {
		return fmt.Errorf("docker save: %v\n%s", err, out)
	}
	return nil
}

func dockerVersion() string {
	out, _ := exec.Command("docker", "version", "--format", "{{.Server.Version}}").Output()
	return strings.TrimSpace(string(out))
}

func readFileOr(p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

func mapsKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// networkBase: a FROM line naming an image this test cannot make offline.
var networkBase = regexp.MustCompile(`(?mi)^(FROM\s+(quay\.io/|mirror\.gcr\.io/golang|\S+@sha256:)|ADD\s+https?://)\S*`)
