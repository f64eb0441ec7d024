package tests

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// recallCase is one form of audit/corpus's matrix (claims.txt claims it)
// run through hush build --secret, so the guard itself is measured, not
// only its engine: the host's real tool writes the file from the secret
// file ($IN to $OUT) and the Dockerfile COPYs it in.
type recallCase struct {
	name, tool string
	secret     func(c *canary) string // the --secret file's content
	script     string
}

// TestGuardRecall: a handful of claimed matrix forms, each refused by a
// real build, and a clean build beside a secret whose public parts it
// holds. The full matrix runs in-process (go test ./audit/corpus -v).
func TestGuardRecall(t *testing.T) {
	netrc := func(c *canary) string {
		return "machine git.example.internal\n  login ci-bot\n  password " + c.value + "\n"
	}
	pgpass := func(c *canary) string { return "db.example.internal:5432:app:appuser:" + c.value + "\n" }
	token := func(c *canary) string { return c.value }
	for _, tc := range []recallCase{
		{"python json of a .netrc", "python3", netrc,
			`python3 -c 'import json,sys; print(json.dumps({"value": open(sys.argv[1]).read()}))' "$IN" > "$OUT"`},
		{"php serialize of a pgpass", "php", pgpass,
			`php -r 'echo serialize(["value" => file_get_contents($argv[1])]);' "$IN" > "$OUT"`},
		{"node Buffer base64 of a token", "node", token,
			`node -e 'process.stdout.write(require("fs").readFileSync(process.argv[1]).toString("base64"))' "$IN" > "$OUT"`},
		{"initramfs (gzip of a cpio) of a .netrc", "cpio", netrc,
			`d=$(mktemp -d); mkdir $d/etc; cp "$IN" $d/etc/app.conf; (cd $d && find . | cpio -o -H newc --quiet | gzip) > "$OUT"; rm -rf $d`},
		{"self-extracting installer: tar.xz at an offset, of a pgpass", "xz", pgpass,
			`d=$(mktemp -d); cp "$IN" $d/app.conf; { printf '#!/bin/sh\ntail -n +4 "$0" | xz -d | tar x -C /opt\nexit 0\n'; tar -C $d -c app.conf | xz; } > "$OUT"; rm -rf $d`},
		{"git history (loose objects) of a .netrc", "git", netrc,
			`git init -q "$OUT.git" && cd "$OUT.git" && git config user.email ci@example.internal && git config user.name ci && cp "$IN" app.conf && git add app.conf && git commit -qm add && git rm -q app.conf && git commit -qm rm && tar -C "$OUT.git" -cf "$OUT" .git && rm -rf "$OUT.git"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := exec.LookPath(tc.tool); err != nil {
				t.Skipf("%s not installed (scripts/deps.sh installs it)", tc.tool)
			}
			c := newCanary(t)
			sec := secretFile(t, "secret", tc.secret(c))
			ctx := tempDir(t)
			hostWrite(t, tc.script, sec, filepath.Join(ctx, "written"))
			// The git case's tar is unpacked by ADD, as a repository
			// copied into an image is.
			df := "FROM localhost/busybox\nCOPY written /srv/case/written\n"
			if strings.HasPrefix(tc.name, "git") {
				df = "FROM localhost/busybox\nADD written /srv/case/repo/\n"
			}
			writeFiles(t, ctx, map[string]string{"Dockerfile": df})
			tag := tagFor(t, "")
			out := filepath.Join(tempDir(t), "oci")
			r := runHush(t, c, call{args: build("-t", tag, "-o", "type=oci,dest="+out, "--secret", "id=s,src="+sec, ctx), dir: ctx})
			if r.code != 3 {
				t.Fatalf("exit code = %d, want 3: the guard must refuse this form\nstderr:\n%s", r.code, r.stderr)
			}
			found := parseGuard(r.stderr)
			ok := false
			for _, f := range found {
				ok = ok || (f.id == "s" && strings.Contains(f.where, " at /srv/case/"))
			}
			if !ok {
				t.Errorf("no finding of secret s under /srv/case/; the report has:\n%s", guardLines(found))
			}
			assertUntagged(t, tag)
		})
	}
	t.Run("clean: public halves beside the private key", func(t *testing.T) {
		ctx := tempDir(t)
		key := filepath.Join(tempDir(t), "id")
		c := newCanary(t)
		pem := sshKey(t, c, key)
		sec := secretFile(t, "key", pem)
		hostWrite(t, `cat "$IN.pub" /etc/ssl/certs/ca-certificates.crt > "$OUT"`, key, filepath.Join(ctx, "public"))
		writeFiles(t, ctx, map[string]string{"Dockerfile": "FROM localhost/busybox\nCOPY public /srv/clean/public\n"})
		tag := tagFor(t, "")
		out := filepath.Join(tempDir(t), "oci")
		r := runHush(t, c, call{args: build("-t", tag, "-o", "type=oci,dest="+out, "--secret", "id=key,src="+sec, ctx), dir: ctx})
		assertBuilt(t, r, c, tag, out)
	})
}

// hostWrite runs a writer's script on the host: the secret reaches the
// tool through the file $IN names, never its command line.
func hostWrite(t *testing.T, script, in, out string) {
	t.Helper()
	cmd := exec.Command("bash", "-eo", "pipefail", "-c", script)
	cmd.Env = append(os.Environ(), "IN="+in, "OUT="+out)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("writing the case: %v: %s", err, errb.String())
	}
	if err := os.Chown(out, suite.uid, suite.gid); err != nil {
		t.Fatal(err)
	}
}
