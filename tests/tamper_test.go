package tests

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestContainerModeTamper: in container isolation (set-up (a): root,
// Docker's defaults), a step that rewrites hush's binary or parks its
// secret under /hush fails the build with one line, and every later build
// in that container refuses before it runs a step. On main before the
// fix, both builds succeeded and the second ran the replaced binary.
func TestContainerModeTamper(t *testing.T) {
	needDocker(t)
	reg := startRegistry(t)
	if _, err := skopeo(t, true, "copy", "-q", "--dest-tls-verify=false",
		storeRef(suite.root, suite.runRoot, "localhost/busybox:latest"), "docker://"+reg+"/busybox:latest"); err != nil {
		t.Fatalf("pushing the base: %v", err)
	}
	for _, tt := range []struct{ name, step string }{
		// A rename: writing over the running binary is "text file busy".
		{"replaced binary", `RUN sh -c 'cp /hush/bin/hush /hush/bin/.orig && printf "#!/hush/bin/sh\nexec /hush/bin/.orig \"\$@\"\n" > /hush/bin/.w && chmod 755 /hush/bin/.w && mv /hush/bin/.w /hush/bin/hush'`},
		{"parked secret", `RUN --mount=type=secret,id=tok cp /run/secrets/tok /hush/tmp/parked`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := newCanary(t)
			ctx := tempDir(t)
			writeFiles(t, ctx, map[string]string{
				"Dockerfile":      "FROM " + reg + "/busybox:latest\n" + tt.step + "\n",
				"Dockerfile.next": "FROM " + reg + "/busybox:latest\nRUN true\n",
				"tok":             c.value,
			})
			if err := os.Chmod(ctx, 0o755); err != nil {
				t.Fatal(err)
			}
			name := "hush-e2e-tamper-" + randHex(t, 4)
			t.Cleanup(func() { _, _ = docker(t, "rm", "-f", "-v", name) })
			script := fmt.Sprintf(`cd /ctx
hush build --tls-verify=false --secret id=tok,src=/ctx/tok -t %[1]s/tamper:1 .; echo "exit-first=$?"
hush build --tls-verify=false -f Dockerfile.next -t %[1]s/tamper:2 .; echo "exit-next=$?"
`, reg)
			cmd := exec.Command("docker", "run", "--name", name, "--network", "host", "-v", ctx+":/ctx:ro",
				"--entrypoint", "/hush/bin/sh", hushImage, "-c", script)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err != nil {
				t.Fatalf("docker run: %v\n%s", err, c.mask(out.String()))
			}
			logs := out.String()
			if form := c.find(out.Bytes()); form != "" {
				t.Errorf("hush's output shows the secret (%s)", form)
			}
			if strings.Contains(logs, "exit-first=0") || !strings.Contains(logs, "changed hush's own files") {
				t.Errorf("the tampering build did not fail naming the change:\n%s", c.mask(logs))
			}
			if strings.Contains(logs, "exit-next=0") {
				t.Errorf("the next build in the tampered container ran:\n%s", c.mask(logs))
			}
			// A parked copy does not outlive the build on the container's disk.
			assertExportClean(t, c, name)
		})
	}
}
