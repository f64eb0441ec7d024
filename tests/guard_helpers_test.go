package tests

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// canaryOf is newCanary with a chosen value (one with characters that
// URL-encoding changes, say); the forms looked for are the same.
func canaryOf(value string) *canary {
	c := &canary{value: value, forms: map[string]string{"value": value, "hex": hex.EncodeToString([]byte(value))}}
	for shift := 0; shift < 3; shift++ {
		part := value[shift:]
		part = part[:len(part)/3*3]
		c.forms[fmt.Sprintf("base64(+%d)", shift)] = base64.StdEncoding.EncodeToString([]byte(part))
		c.forms[fmt.Sprintf("base64url(+%d)", shift)] = base64.URLEncoding.EncodeToString([]byte(part))
	}
	return c
}

// guardFinding is one "hush: guard: ..." line of a refusal's report.
type guardFinding struct {
	id, frags, encs string
	where           string // after " in ": image ... layer ... at /PATH, ... | config field | --build-arg NAME
	line            string
}

var guardLineRE = regexp.MustCompile(`^hush: guard: secret "([^"]+)" \(([^;)]+); ([^)]+)\) in (.+)$`)

func parseGuard(stderr string) []guardFinding {
	var out []guardFinding
	for _, l := range strings.Split(stderr, "\n") {
		if m := guardLineRE.FindStringSubmatch(l); m != nil {
			out = append(out, guardFinding{id: m[1], frags: m[2], encs: m[3], where: m[4], line: l})
		}
	}
	return out
}

// want is one finding a refusal's report must hold: secret id, at path
// inside a layer or in field (a config path prefix, or "--build-arg X"),
// with frag among its fragment kinds and enc among its encodings.
type want struct {
	id, path, field, frag, enc string
}

func (w want) String() string {
	place := "at " + w.path
	if w.field != "" {
		place = "in " + w.field
	}
	return fmt.Sprintf("secret %q %s (fragment %s, encoding %s)", w.id, place, w.frag, w.enc)
}

var layerPlaceRE = regexp.MustCompile(`^image [0-9a-f]{12} \(stage FROM [^)]+\) layer [0-9]+ \([0-9a-f]{12}\) at `)

func (w want) matches(f guardFinding) bool {
	if f.id != w.id || !listHas(f.frags, w.frag) || !listHas(f.encs, w.enc) {
		return false
	}
	if w.field != "" {
		return f.where == w.field || strings.Contains(f.where, ") "+w.field)
	}
	// A layer finding names the image, the stage, the layer and the path.
	return layerPlaceRE.MatchString(f.where) &&
		(strings.Contains(f.where, " at "+w.path+", layer made by ") || strings.HasSuffix(f.where, " at "+w.path))
}

func listHas(list, item string) bool {
	for _, x := range strings.Split(list, ",") {
		if strings.TrimSpace(x) == item {
			return true
		}
	}
	return false
}

// assertRefused checks a build the guard refused: exit 3, no image id,
// every wanted finding in the report and the report's last line; nothing
// tagged, no -o output written. before: refused before any step ran.
func assertRefused(t *testing.T, r result, tag, out string, before bool, wants ...want) {
	t.Helper()
	if r.code != 3 {
		t.Errorf("exit code = %d, want 3 (the guard refuses)\nstderr:\n%s", r.code, r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("stdout = %q, want nothing from a refused build", r.stdout)
	}
	found := parseGuard(r.stderr)
	for _, w := range wants {
		ok := false
		for _, f := range found {
			ok = ok || w.matches(f)
		}
		if !ok {
			t.Errorf("the guard's report has no finding of %s; it has:\n%s", w, guardLines(found))
		}
	}
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	// Refused up front, nothing was built: the message must not say an
	// image was.
	wantLast := "hush: commit guard refused the image: "
	if before {
		wantLast = "hush: guard refused the build before it started: "
	}
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, wantLast) {
		t.Errorf("last stderr line = %q, want %q...", last, wantLast)
	}
	if before && strings.Contains(r.stderr, "STEP ") {
		t.Errorf("a step ran, want the build refused before it starts:\n%s", r.stderr)
	}
	assertUntagged(t, tag)
	if _, err := os.Lstat(out); !os.IsNotExist(err) {
		t.Errorf("the -o output %s exists (%v) after a refused build", out, err)
	}
}

func guardLines(fs []guardFinding) string {
	if len(fs) == 0 {
		return "  (no \"hush: guard:\" line)"
	}
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("  " + f.line + "\n")
	}
	return b.String()
}

// assertUntagged checks, through skopeo and the store's records, that no
// image is named tag.
func assertUntagged(t *testing.T, tag string) {
	t.Helper()
	if _, err := skopeo(t, true, "inspect", "--raw", storeRef(suite.root, suite.runRoot, tag)); err == nil {
		t.Errorf("skopeo finds an image tagged %s after a refused build", tag)
	}
	assertClean(t, tag)
}

// assertBuilt checks a build that must succeed: exit 0, the image id on
// stdout, the tag in the store naming that image, and the -o layout at out
// free of c in every blob. It returns the image read from the layout.
func assertBuilt(t *testing.T, r result, c *canary, tag, out string) *image {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit code = %d, want 0 (nothing secret is in the image)\nstderr:\n%s", r.code, r.stderr)
	}
	if !imageIDLine.MatchString(r.stdout) {
		t.Fatalf("stdout = %q, want the image id", r.stdout)
	}
	id := strings.TrimSpace(r.stdout)
	raw, err := skopeo(t, true, "inspect", "--raw", storeRef(suite.root, suite.runRoot, tag))
	if err != nil {
		t.Fatalf("the build succeeded but %s is not in the store: %v", tag, err)
	}
	if !strings.Contains(raw, id) {
		t.Errorf("%s's manifest does not name config %s", tag, id)
	}
	img := walkLayout(t, out, "latest", c)
	if img.configDigest != id {
		t.Errorf("-o layout's config = %s, want %s", img.configDigest, id)
	}
	return img
}

// guardBuild runs hush build of a fresh context holding files (the
// Dockerfile among them) with -t, an OCI -o output, flags and env, in the
// context directory, and returns the result, the tag and the -o
// destination.
func guardBuild(t *testing.T, c *canary, files map[string]string, flags, env []string) (result, string, string) {
	t.Helper()
	ctx := tempDir(t)
	writeFiles(t, ctx, files)
	tag := tagFor(t, "")
	out := filepath.Join(tempDir(t), "oci")
	args := build(append(append([]string{"-t", tag, "-o", "type=oci,dest=" + out}, flags...), ctx)...)
	return runHush(t, c, call{args: args, env: env, dir: ctx}), tag, out
}

// sshKey makes an ed25519 key (no passphrase) at path, owned by the mode's
// user, adds its private lines to c and returns its text.
func sshKey(t *testing.T, c *canary, path string) string {
	t.Helper()
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "hush-e2e", "-f", path).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
	for _, f := range []string{path, path + ".pub"} {
		if err := os.Chown(f, suite.uid, suite.gid); err != nil {
			t.Fatal(err)
		}
	}
	pem, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(pem)), "\n")
	// Lines 1-2 are the key's public half (also in .pub); the rest is
	// private.
	for i := 3; i < len(lines)-1; i++ {
		c.also("private key line "+strconv.Itoa(i), lines[i])
	}
	return string(pem)
}
