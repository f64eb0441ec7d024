package tests

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestGuardEqualsAudit: the guard and `hush audit` are one scanner. A leaky
// build is refused with the guard's findings; the same Dockerfile built by
// a build not told of the secret (so the guard has nothing to look for)
// gives the image, and `hush audit --secret` of it must report the same
// findings: secret, fragments, encodings, layer, path, hidden or not.
func TestGuardEqualsAudit(t *testing.T) {
	cases := []struct {
		name, dockerfile string
		files            func(c *canary) map[string]string
		flags            []string
	}{
		{name: "seed 000 method 2, --layers: hidden by a later layer", flags: []string{"--layers"},
			dockerfile: "FROM localhost/busybox\nCOPY pip.conf /root/.pip/pip.conf\nRUN wc -l /root/.pip/pip.conf\nRUN rm /root/.pip/pip.conf\n",
			files:      func(c *canary) map[string]string { return map[string]string{"pip.conf": pipConf(c)} }},
		{name: "a home tarball, a hard link and a copy: at runtime",
			dockerfile: "FROM localhost/busybox\nCOPY home.tgz pip.conf /srv/\nRUN ln /srv/pip.conf /srv/pip.link\n",
			files: func(c *canary) map[string]string {
				return map[string]string{"pip.conf": pipConf(c), "home.tgz": tgz(t, ".config/pip/pip.conf", pipConf(c))}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCanary(t)
			files := tc.files(c)
			secret := "id=pip,src=" + secretFile(t, "pip.conf", files["pip.conf"])
			all := map[string]string{"Dockerfile": tc.dockerfile}
			for k, v := range files {
				all[k] = v
			}
			r, _, _ := guardBuild(t, c, all, append([]string{"--secret", secret}, tc.flags...), nil)
			if r.code != 3 {
				t.Fatalf("the leaky build: exit %d, want 3 (refused)\n%s", r.code, c.mask(r.stderr))
			}
			var guarded []string
			for _, f := range parseGuard(r.stderr) {
				guarded = append(guarded, guardKey(t, f))
			}

			// The image the guard refused, made by a build with no secret.
			tag, _, _ := buildIn(t, nil, contextBuild{dockerfile: tc.dockerfile, files: files, flags: tc.flags, tag: tagFor(t, "-unguarded")})
			t.Cleanup(func() {
				if _, err := skopeo(t, true, "delete", storeRef(suite.root, suite.runRoot, tag)); err != nil {
					t.Errorf("removing the leaky image: %v", err)
				}
			})
			ar := runHush(t, nil, call{args: []string{"audit", "--format", "json", "--heuristics=false", "--root", suite.root, "--runroot", suite.runRoot, "--secret", secret, tag}})
			if form := c.find([]byte(ar.stdout + ar.stderr)); form != "" {
				t.Errorf("hush audit printed the secret (%s)", form)
			}
			if ar.code != 1 {
				t.Fatalf("hush audit: exit %d, want 1 (findings)\n%s", ar.code, ar.stderr)
			}
			var rep struct {
				Images []struct {
					Findings []struct {
						Location, SecretID, Fragment, Encoding, Path, Field string
						Layer                                               *struct{ Index int }
						HiddenBy                                            *struct {
							Index int
							How   string
						}
					}
				}
			}
			if err := json.Unmarshal([]byte(ar.stdout), &rep); err != nil || len(rep.Images) != 1 {
				t.Fatalf("hush audit --format json: %v\n%s", err, ar.stdout)
			}
			var audited []string
			for _, f := range rep.Images[0].Findings {
				k := fmt.Sprintf("%s (%s; %s) ", f.SecretID, f.Fragment, f.Encoding)
				if f.Layer != nil {
					k += fmt.Sprintf("layer %d at %s", f.Layer.Index, f.Path)
				} else {
					k += f.Field
				}
				if f.HiddenBy != nil {
					k += fmt.Sprintf(", hidden by layer %d (%s)", f.HiddenBy.Index, f.HiddenBy.How)
				}
				audited = append(audited, k)
			}
			slices.Sort(guarded)
			slices.Sort(audited)
			if len(guarded) == 0 || !slices.Equal(guarded, audited) {
				t.Errorf("guard and audit disagree on the same image:\nguard:\n  %s\naudit:\n  %s",
					strings.Join(guarded, "\n  "), strings.Join(audited, "\n  "))
			}
		})
	}
}

var guardWhereRE = regexp.MustCompile(`^image [0-9a-f]{12} \(stage [^)]+\) layer (\d+) \([0-9a-f]{12}\) at (.+?)(?:, layer made by ".*?")?(?:; hidden by layer (\d+) \(([^)]+)\))?$`)

// guardKey is a guard finding in the terms of audit's JSON.
func guardKey(t *testing.T, f guardFinding) string {
	k := fmt.Sprintf("%s (%s; %s) ", f.id, f.frags, f.encs)
	m := guardWhereRE.FindStringSubmatch(f.where)
	if m == nil {
		t.Errorf("guard line not understood: %s", f.line)
		return k + f.where
	}
	k += fmt.Sprintf("layer %s at %s", m[1], m[2])
	if m[3] != "" {
		k += fmt.Sprintf(", hidden by layer %s (%s)", m[3], m[4])
	}
	return k
}

// tgz is a gzipped tar holding one file.
func tgz(t *testing.T, name, body string) string {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	tw := tar.NewWriter(zw)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	_, _ = tw.Write([]byte(body))
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
