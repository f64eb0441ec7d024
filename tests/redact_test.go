package tests

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// redactDockerfile prints the token raw, split across two writes with a
// pause between them, base64- and hex-encoded, and the PEM key whole and
// only its body lines; "done" shows the step ran to its end.
const redactDockerfile = "FROM localhost/busybox\n" +
	`RUN --mount=type=secret,id=tok,env=TOKEN --mount=type=secret,id=key sh -c '` +
	`echo "raw: $TOKEN"; ` +
	`printf "split: %s" "$(printf %s "$TOKEN" | cut -c1-9)"; sleep 1; printf "%s\n" "$(printf %s "$TOKEN" | cut -c10-)"; ` +
	`echo "b64: $(printf %s "$TOKEN" | base64)"; echo "hex: $(printf %s "$TOKEN" | od -An -tx1 | tr -d " \n")"; ` +
	`cat /run/secrets/key; sed -e 1d -e \$d /run/secrets/key; echo done'` + "\n"

// redactBuild runs redactDockerfile with a token and an ssh key as
// secrets and extra flags; runHush fails the test if the token or a private
// line of the key shows up in what hush printed.
func redactBuild(t *testing.T, extra ...string) result {
	t.Helper()
	c := newCanary(t)
	key := filepath.Join(tempDir(t), "id_ed25519")
	sshKey(t, c, key)
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": redactDockerfile})
	// --no-cache: the steps must run (and print) every time; an earlier
	// build of the same inputs would be a stage cache hit.
	args := append([]string{"--no-cache", "-t", tagFor(t, ""), "--secret", "id=tok,env=HUSH_E2E_TOKEN", "--secret", "id=key,src=" + key}, extra...)
	r := runHush(t, c, call{args: build(append(args, ctx)...), env: []string{"HUSH_E2E_TOKEN=" + c.value}})
	if r.code != 0 {
		t.Fatalf("exit code = %d, want 0\nstderr:\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "****") {
		t.Errorf("no **** in hush's output: was anything redacted?\n%s", r.stderr)
	}
	return r
}

func TestRedactPlain(t *testing.T) {
	r := redactBuild(t)
	for _, l := range []string{"raw: ****", "done"} {
		wantLine(t, r.stderr, l)
	}
}

func TestRedactProgressJSON(t *testing.T) {
	r := redactBuild(t, "--progress", "json")
	var msgs []string
	for _, l := range strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n") {
		var ev struct{ Time, Type, Message string }
		if err := json.Unmarshal([]byte(l), &ev); err != nil || ev.Time == "" || ev.Type == "" {
			t.Errorf("--progress json: line is not a JSON event with time and type (%v): %q", err, l)
			continue
		}
		msgs = append(msgs, ev.Message)
	}
	out := strings.Join(msgs, "\n")
	for _, l := range []string{"raw: ****", "done"} {
		wantLine(t, out, l)
	}
}

// TestRedactFailingStep: a step that prints the secret and fails; the
// build fails with exit 1 (a failed RUN, not the guard's 3, whatever the
// step's own status) and the error names the step, not the value.
func TestRedactFailingStep(t *testing.T) {
	r := failedStep(t, "FROM localhost/busybox\nRUN --mount=type=secret,id=tok,env=TOKEN sh -c 'echo $TOKEN; exit 3'\n", "exit 3")
	wantLine(t, r.stderr, "****")
}

// TestRedactGuardReport: the guard's own report names where a
// credential-named build arg's value went (a file a step wrote, a label
// key), never the value: not in the instruction that made the layer, nor
// in the field's name.
func TestRedactGuardReport(t *testing.T) {
	c := newCanary(t)
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": "FROM localhost/busybox\nARG API_TOKEN\n" +
		"LABEL tok_$API_TOKEN=1\nRUN echo \"$API_TOKEN\" > /token.txt\n"})
	tag := tagFor(t, "")
	out := filepath.Join(tempDir(t), "oci")
	r := runHush(t, c, call{args: build("-t", tag, "-o", "type=oci,dest="+out, "--build-arg", "API_TOKEN="+c.value, ctx)})
	assertRefused(t, r, tag, out, false,
		want{id: "build-arg:API_TOKEN", path: "/token.txt", frag: "value", enc: "raw"},
		want{id: "build-arg:API_TOKEN", field: "config.Labels.tok_", frag: "value", enc: "raw"})
}
