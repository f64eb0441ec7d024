package tests

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// auditReport is the part of `hush audit --format json` the tests read.
type auditReport struct {
	Images []struct {
		Image    string `json:"image"`
		Findings []struct {
			Location string `json:"location"`
			Rule     string `json:"rule"`
			SecretID string `json:"secretId"`
			Path     string `json:"path"`
		} `json:"findings"`
	} `json:"images"`
}

// audit runs hush audit as the mode's user on the suite's store and parses
// its JSON report. It fails the test if c shows in what audit printed, or
// in a file written since it started anywhere but the store, which holds
// the leaky image by design (its layer may be young enough to count).
func audit(t *testing.T, c *canary, wantCode int, args ...string) auditReport {
	t.Helper()
	all := append([]string{"audit", "--format", "json", "--root", suite.root, "--runroot", suite.runRoot}, args...)
	start := time.Now()
	r := runHush(t, nil, call{args: all})
	if form := c.find([]byte(r.stdout + r.stderr)); form != "" {
		t.Errorf("hush audit printed the secret (%s)", form)
	}
	for _, leak := range findResidue(c, start) {
		if !strings.Contains(leak, suite.root+"/") {
			t.Errorf("LEAK: %s", leak)
		}
	}
	if r.code != wantCode {
		t.Fatalf("hush audit: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, wantCode, r.stdout, r.stderr)
	}
	var rep auditReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("hush audit --format json: %v\n%s", err, r.stdout)
	}
	return rep
}

// hasFinding: some finding of rep is at location and path, from secret id
// (or, id empty, a heuristic rule).
func (rep auditReport) hasFinding(location, path, id string) bool {
	for _, im := range rep.Images {
		for _, f := range im.Findings {
			if f.Location == location && strings.TrimPrefix(f.Path, "/") == strings.TrimPrefix(path, "/") &&
				(id == "" && f.Rule != "" && f.SecretID == "" || id != "" && f.SecretID == id) {
				return true
			}
		}
	}
	return false
}

// TestAuditHiddenLayer is seed 000's method 2 built with --layers by a build
// that was not told of the secret (so the guard had nothing to look for):
// `docker run` would show no pip.conf, yet a lower layer holds it. hush
// audit, run as the mode's user, finds it hidden, by its value and by the
// pip.conf heuristic, in local storage and in a docker archive; the same
// audit passes the clean RUN --mount build.
func TestAuditHiddenLayer(t *testing.T) {
	c := newCanary(t)
	conf := pipConf(c)
	secret := "id=pip,src=" + secretFile(t, "pip.conf", conf)
	// The clean build first: its residue check would count the leaky
	// image's young files.
	clean, _, _ := buildIn(t, c, contextBuild{
		// Not the Dockerfile of any other test: a --layers cache hit
		// would skip the step another test wants to see run.
		dockerfile: "FROM localhost/busybox\nRUN --mount=type=secret,id=pip,target=/root/.pip/pip.conf grep -c index-url /root/.pip/pip.conf\n",
		flags:      []string{"--layers", "--secret", secret},
		tag:        tagFor(t, "-clean"),
	})
	if rep := audit(t, c, 0, "--secret", secret, clean); len(rep.Images) != 1 || len(rep.Images[0].Findings) != 0 {
		t.Errorf("audit of the RUN --mount build: %+v, want one image and no finding", rep)
	}

	// The leaky image's layers hold the canary by design: this build alone
	// is not checked for residue, and the image goes when the test ends.
	archive := filepath.Join(tempDir(t), "leaky.tar")
	leaky, _, _ := buildIn(t, nil, contextBuild{
		dockerfile: "FROM localhost/busybox\nCOPY pip.conf /root/.pip/pip.conf\nRUN wc -l /root/.pip/pip.conf\nRUN rm /root/.pip/pip.conf\n",
		files:      map[string]string{"pip.conf": conf},
		flags:      []string{"--layers", "-o", "type=docker,dest=" + archive},
		tag:        tagFor(t, "-leaky"),
	})
	t.Cleanup(func() {
		if _, err := skopeo(t, true, "delete", storeRef(suite.root, suite.runRoot, leaky)); err != nil {
			t.Errorf("removing the leaky image: %v", err)
		}
	})
	for _, ref := range []string{leaky, "docker-archive:" + archive} {
		rep := audit(t, c, 1, "--secret", secret, ref)
		if !rep.hasFinding("hidden", "/root/.pip/pip.conf", "pip") {
			t.Errorf("audit --secret %s: no hidden finding of secret pip at /root/.pip/pip.conf: %+v", ref, rep)
		}
		rep = audit(t, c, 1, ref)
		if !rep.hasFinding("hidden", "/root/.pip/pip.conf", "") {
			t.Errorf("audit %s (heuristics): no hidden finding at /root/.pip/pip.conf: %+v", ref, rep)
		}
	}
}
