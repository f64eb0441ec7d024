package tests

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// canary is a test's random secret value, with every form of it that must
// never show up in an image or in hush's output.
type canary struct {
	value string
	forms map[string]string // form name -> text to look for
}

func newCanary(t *testing.T) *canary {
	t.Helper()
	c := &canary{value: "hushcanary-" + randHex(t, 12), forms: map[string]string{}}
	c.forms["value"] = c.value
	c.forms["hex"] = hex.EncodeToString([]byte(c.value))
	// The value starts at one of three offsets modulo 3 in whatever was
	// encoded; each shift gives the encoding of the bytes that land on
	// whole base64 groups, which then appears verbatim.
	for shift := 0; shift < 3; shift++ {
		part := c.value[shift:]
		part = part[:len(part)/3*3]
		c.forms[fmt.Sprintf("base64(+%d)", shift)] = base64.StdEncoding.EncodeToString([]byte(part))
		c.forms[fmt.Sprintf("base64url(+%d)", shift)] = base64.URLEncoding.EncodeToString([]byte(part))
	}
	return c
}

func randHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// also adds another secret text (a private key line) to look for.
func (c *canary) also(name, text string) { c.forms[name] = text }

// find returns the name of a form data holds, or "".
func (c *canary) find(data []byte) string {
	for name, text := range c.forms {
		if bytes.Contains(data, []byte(text)) {
			return name
		}
	}
	return ""
}

// mask replaces every form of c in s with <canary>, so that the test's own
// log (which names hush's arguments, --build-arg values among them) never
// holds the secret: a log kept in /tmp would be residue. c may be nil.
func (c *canary) mask(s string) string {
	if c == nil {
		return s
	}
	for _, text := range c.forms {
		s = strings.ReplaceAll(s, text, "<canary>")
	}
	return s
}

// call is one hush invocation.
type call struct {
	args  []string // after "hush"
	env   []string // KEY=VALUE added to hush's environment
	stdin string
	dir   string // working directory; default the suite directory
}

type result struct {
	code           int
	stdout, stderr string
}

// build returns the args of a hush build against the suite's store.
func build(args ...string) []string {
	return append([]string{"build", "--root", suite.root, "--runroot", suite.runRoot}, args...)
}

// runHush runs hush as the mode's user and fails the test if c's value, in
// any form, shows up in what hush printed or in a file it left behind.
func runHush(t *testing.T, c *canary, cl call) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := command(ctx, cl.env, suite.hush, cl.args...)
	cmd.Dir = cl.dir
	if cmd.Dir == "" {
		cmd.Dir = suite.dir
	}
	cmd.Stdin = strings.NewReader(cl.stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	shown := c.mask(strings.Join(cl.args, " "))
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.Exited():
		r.code = ee.ExitCode()
	default:
		t.Fatalf("hush %s: %v\nstderr:\n%s", shown, err, c.mask(r.stderr))
	}
	t.Logf("hush %s: exit %d in %s", shown, r.code, time.Since(start).Round(time.Millisecond))
	// Whatever happened, no build container (holding whatever its steps
	// wrote) may outlive hush.
	if left := containersLeft(t, suite.root, suite.runRoot); len(left) > 0 {
		t.Errorf("containers left in the store after hush exited: %v", left)
	}
	if c != nil {
		assertNoResidue(t, c, start)
		if form := c.find([]byte(r.stdout)); form != "" {
			t.Errorf("hush's stdout shows the secret (%s)", form)
		}
		if form := c.find([]byte(r.stderr)); form != "" {
			t.Errorf("hush's stderr shows the secret (%s)", form)
		}
	}
	return r
}

var imageIDLine = regexp.MustCompile(`^sha256:[0-9a-f]{64}\n$`)

// mustBuild runs a build that must succeed and returns the image id
// (sha256:...) it printed, and its stderr.
func mustBuild(t *testing.T, c *canary, cl call) (string, string) {
	t.Helper()
	r := runHush(t, c, cl)
	if r.code != 0 {
		t.Fatalf("hush build: exit %d, want 0\nstderr:\n%s", r.code, r.stderr)
	}
	if !imageIDLine.MatchString(r.stdout) {
		t.Fatalf("hush build stdout = %q, want one line sha256:<64 hex>", r.stdout)
	}
	return strings.TrimSpace(r.stdout), r.stderr
}

// tempDir is a directory for one test, owned by the mode's user, under the
// suite's directory (t.TempDir() is closed to other users).
func tempDir(t *testing.T) string {
	t.Helper()
	parent, err := mkdirOwned(filepath.Join(suite.dir, "t"))
	if err != nil {
		t.Fatal(err)
	}
	name := regexp.MustCompile(`[^A-Za-z0-9_.-]+`).ReplaceAllString(t.Name(), "_")
	dir, err := os.MkdirTemp(parent, name+"-")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mkdirOwned(dir); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("HUSH_E2E_KEEP") != "1" {
		t.Cleanup(func() { os.RemoveAll(dir) })
	}
	return dir
}

// writeFiles writes name -> content (0644) under dir, owned by the mode's
// user.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if _, err := mkdirOwned(filepath.Dir(p)); err != nil {
			t.Fatal(err)
		}
		writeFile(t, p, content, 0o644)
	}
}

func writeFile(t *testing.T, p, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(p, suite.uid, suite.gid); err != nil {
		t.Fatal(err)
	}
}

// tagFor is a tag unique to the test and the mode's store.
func tagFor(t *testing.T, suffix string) string {
	name := strings.ToLower(regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(t.Name(), "-"))
	return "localhost/e2e-" + strings.Trim(name, "-") + suffix + ":latest"
}

// containersLeft lists the containers (ids and names) a store holds,
// reading its records directly, as root.
func containersLeft(t *testing.T, root, runRoot string) []string {
	t.Helper()
	var left []string
	for _, dir := range []string{root, runRoot} {
		// <driver>-containers/containers.json and volatile-containers.json
		files, _ := filepath.Glob(filepath.Join(dir, "*-containers", "*containers.json"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var cs []struct {
				ID    string   `json:"id"`
				Names []string `json:"names"`
			}
			if err := json.Unmarshal(b, &cs); err != nil && len(bytes.TrimSpace(b)) > 0 {
				t.Fatalf("%s: %v", f, err)
			}
			for _, c := range cs {
				left = append(left, fmt.Sprintf("%.12s %v", c.ID, c.Names))
			}
		}
	}
	return left
}

// imageNames lists every name in a store's image records, read as root.
func imageNames(t *testing.T, root string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(root, "*-images", "images.json"))
	var names []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var imgs []struct {
			Names []string `json:"names"`
		}
		if err := json.Unmarshal(b, &imgs); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, i := range imgs {
			names = append(names, i.Names...)
		}
	}
	return names
}

// skopeo runs skopeo as root, or as the store's owner when it opens the
// mode's containers-storage: root opening a rootless store would create
// files in it the user can no longer use.
func skopeo(t *testing.T, asOwner bool, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	args = append([]string{"--insecure-policy"}, args...)
	var cmd *exec.Cmd
	if asOwner {
		cmd = command(ctx, nil, "skopeo", args...)
	} else {
		cmd = exec.CommandContext(ctx, "skopeo", args...)
		cmd.Env = []string{"HOME=/root", "PATH=" + pathEnv}
	}
	cmd.Dir = suite.dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("skopeo %s: %v: %s", strings.Join(args[1:], " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// exportImage copies name from the suite's store to a fresh OCI layout
// with skopeo, an independent reader, and returns the layout's directory.
func exportImage(t *testing.T, name string) string {
	t.Helper()
	dest := filepath.Join(tempDir(t), "oci")
	if _, err := skopeo(t, true, "copy", "-q", storeRef(suite.root, suite.runRoot, name), "oci:"+dest+":x"); err != nil {
		t.Fatalf("exporting %s: %v", name, err)
	}
	return dest
}

// assertClean checks what a failed build must leave: no container in the
// store (runHush checks that after every run) and nothing under the tag it
// asked for.
func assertClean(t *testing.T, tag string) {
	t.Helper()
	for _, n := range imageNames(t, suite.root) {
		if n == tag {
			t.Errorf("an image is tagged %s after a failed build", tag)
		}
	}
}
