package tests

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// buildahTempName is the name buildah gives an image it commits unnamed
// until the commit returns.
var buildahTempName = regexp.MustCompile(`[0-9a-f]{64}-tmp:latest`)

// TestKillMidCommit kills a --layers build in the moment after buildah
// committed the leaky step's image under its temporary name and before it
// took the name away: the image holds the step's copy of the secret and
// looks named, which the sweep once took for a user's image and kept
// (TestSoakKillPrune met it about once in a hundred kills). Here the kill
// waits for the name to show in storage's images.json, so most kills land
// in that moment; prune must leave no copy of the secret and no image under
// such a name.
func TestKillMidCommit(t *testing.T) {
	const tries, wantHits = 12, 3
	c := newCanary(t)
	kb := newKilledBuild(t, c, "hush-killcommit-")
	base, root, runRoot, args, env := kb.base, kb.root, kb.runRoot, kb.args, kb.env
	imagesJSON := func() []byte {
		files, _ := filepath.Glob(filepath.Join(root, "*-images", "images.json"))
		if len(files) == 0 {
			return nil
		}
		b, _ := os.ReadFile(files[0])
		return b
	}
	tempNamed := func(start time.Time, done <-chan struct{}) bool {
		for {
			select {
			case <-done:
				return false
			default:
			}
			if buildahTempName.Match(imagesJSON()) {
				return true
			}
			if time.Since(start) > time.Minute {
				return false
			}
			time.Sleep(100 * time.Microsecond)
		}
	}

	hits := 0
	for i := 1; i <= tries && hits < wantHits && !t.Failed(); i++ {
		iter := time.Now()
		killed, phase, _ := startAndKill(t, c, args, env, tempNamed)
		hit := killed && buildahTempName.Match(imagesJSON())
		if hit {
			hits++
		}
		sum := soakPrune(t, base, root, runRoot)
		t.Logf("try %d: killed %v, temporary name left by the kill %v (%s): %s", i, killed, hit, phase, sum)
		for _, r := range newResidue(c, iter, base, root, runRoot) {
			t.Errorf("LEAK after try %d (temporary name left: %v): %s", i, hit, r)
		}
		if m := buildahTempName.Find(imagesJSON()); m != nil {
			t.Errorf("after try %d: an image under buildah's temporary name %s is left", i, m)
		}
		if left := containersLeft(t, root, runRoot); len(left) > 0 {
			t.Errorf("after try %d: containers left: %v", i, left)
		}
		if left, _ := os.ReadDir(filepath.Join(base, "hush-"+strconv.Itoa(suite.uid))); len(left) > 0 {
			t.Errorf("after try %d: build directories left: %v", i, left)
		}
	}
	if hits == 0 && !t.Failed() {
		t.Fatalf("no kill of %d landed while the temporary name was there: the checks prove nothing", tries)
	}
}
