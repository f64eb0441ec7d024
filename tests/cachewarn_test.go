package tests

import (
	"bufio"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestCacheFromWarning: a --cache-from repository hush cannot read gets
// one warning line naming it and why, carried by --progress json as a
// warning event, and the build goes on; a plain miss says nothing. Each
// failure is a real one: nobody listening, a registry asking for
// credentials, a host no resolver knows, and a plain-HTTP registry reached
// over TLS.
func TestCacheFromWarning(t *testing.T) {
	plain := startRegistry(t)
	// Its token realm is itself, which refuses a client without
	// credentials as a real token service does.
	auth := startRegistryWith(t, "auth:\n  silly:\n    realm: http://{addr}/v2/\n    service: hush-e2e\n")
	refused := freeAddr(t)
	// TLS is verified (the default) except for the registries marked
	// insecure here; plain is not: hush speaks TLS to a plain-HTTP registry.
	conf := filepath.Join(tempDir(t), "registries.conf")
	writeFile(t, conf, fmt.Sprintf("[[registry]]\nlocation = %q\ninsecure = true\n\n[[registry]]\nlocation = %q\ninsecure = true\n", refused, auth), 0o644)
	want := map[string]string{
		refused + "/team/cache":       "connection refused",
		auth + "/team/cache":          "authentication",
		"hush-e2e.invalid/team/cache": "host not found",
		plain + "/team/tls":           "TLS",
	}
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": "FROM localhost/busybox\nRUN echo " + randHex(t, 6) + " > /x\n"})
	for _, layers := range []bool{true, false} {
		name := "stage cache"
		args := build("--progress", "json")
		if layers {
			name = "--layers"
			args = append(args, "--layers")
		}
		t.Run(name, func(t *testing.T) {
			for repo := range want {
				args = append(args, "--cache-from", repo)
			}
			_, stderr := mustBuild(t, nil, call{args: append(args, ctx), env: []string{"CONTAINERS_REGISTRIES_CONF=" + conf}})
			got := map[string]int{}
			sc := bufio.NewScanner(strings.NewReader(stderr))
			for sc.Scan() {
				var ev struct{ Type, Message string }
				if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
					t.Fatalf("--progress json: not a JSON line: %q", sc.Text())
				}
				if !strings.Contains(ev.Message, "--cache-from") {
					continue
				}
				if ev.Type != "warning" {
					t.Errorf("event type %q, want warning: %s", ev.Type, ev.Message)
				}
				for repo, reason := range want {
					if strings.Contains(ev.Message, "--cache-from "+repo+":") {
						got[repo]++
						if !strings.Contains(ev.Message, reason) {
							t.Errorf("%s: warning %q does not say %q", repo, ev.Message, reason)
						}
					}
				}
			}
			for repo := range want {
				if got[repo] != 1 {
					t.Errorf("--cache-from %s: %d warning lines, want 1\n%s", repo, got[repo], stderr)
				}
			}
		})
	}
}

// TestCacheFromMissIsQuiet: a repository that exists but lacks the keys is
// an ordinary miss, and no warning.
func TestCacheFromMissIsQuiet(t *testing.T) {
	addr := startRegistry(t)
	if _, err := skopeo(t, true, "copy", "-q", "--dest-tls-verify=false", storeRef(suite.root, suite.runRoot, "localhost/busybox:latest"), "docker://"+addr+"/team/cache:other"); err != nil {
		t.Fatal(err)
	}
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": "FROM localhost/busybox\nRUN echo " + randHex(t, 6) + " > /x\n"})
	for _, flags := range [][]string{{"--layers"}, nil} {
		args := append(build("--tls-verify=false", "--cache-from", addr+"/team/cache"), flags...)
		if _, stderr := mustBuild(t, nil, call{args: append(args, ctx)}); strings.Contains(stderr, "warning") {
			t.Errorf("hush build %v: a cache miss warned:\n%s", flags, stderr)
		}
	}
}

// TestCachePushLines: buildah announces "--> Pushing cache" while it keys
// a step, before the guard has looked at the build; hush holds the push
// until the guard passes. A refused build's log must not claim a push; a
// passed build's log keeps hush's summary of the real one.
func TestCachePushLines(t *testing.T) {
	c := newCanary(t)
	addr := startRegistry(t)
	ctx := tempDir(t)
	secret := secretFile(t, "token", c.value)
	writeFiles(t, ctx, map[string]string{"Dockerfile": "FROM localhost/busybox\nRUN echo " + randHex(t, 6) + " > /clean\nRUN --mount=type=secret,id=s cp /run/secrets/s /leak\n"})
	r := runHush(t, c, call{args: build("--layers", "--tls-verify=false", "--cache-to", addr+"/leaky", "--secret", "id=s,src="+secret, ctx)})
	if r.code != 3 {
		t.Fatalf("leaky build: exit %d, want 3 (guard)\n%s", r.code, c.mask(r.stderr))
	}
	if strings.Contains(r.stderr, "Pushing cache") {
		t.Errorf("a refused build's log says a cache push was under way:\n%s", c.mask(r.stderr))
	}

	writeFiles(t, ctx, map[string]string{"Dockerfile": "FROM localhost/busybox\nRUN echo " + randHex(t, 6) + " > /clean\nRUN --mount=type=secret,id=s test -s /run/secrets/s\n"})
	_, stderr := mustBuild(t, c, call{args: build("--layers", "--tls-verify=false", "--cache-to", addr+"/clean", "--secret", "id=s,src="+secret, ctx)})
	if strings.Contains(stderr, "Pushing cache") {
		t.Errorf("a passed build's log has buildah's early push lines:\n%s", stderr)
	}
	if !strings.Contains(stderr, "hush: cache: 2 entries exported to "+addr+"/clean") {
		t.Errorf("a passed build's log lacks the real push's summary line:\n%s", stderr)
	}
}
