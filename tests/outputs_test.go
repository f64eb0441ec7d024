package tests

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// outputDockerfile writes /marker and reads the secret on the way.
const outputDockerfile = "FROM localhost/busybox\n" + printSum + "\nRUN echo exported > /marker\n"

func TestOutputOCI(t *testing.T) {
	c := newCanary(t)
	dest := filepath.Join(tempDir(t), "layout")
	tag := strings.TrimSuffix(tagFor(t, ""), ":latest") + ":v1"
	_, id, _ := buildIn(t, c, contextBuild{
		dockerfile: outputDockerfile,
		tag:        tag,
		flags:      []string{"-o", "type=oci,dest=" + dest, "--secret", "id=s,src=" + secretFile(t, "token", c.value)},
	})
	out, err := skopeo(t, false, "inspect", "--raw", "oci:"+dest+":v1")
	if err != nil {
		t.Fatalf("reading the OCI layout back: %v", err)
	}
	var m manifestDoc
	if err := json.Unmarshal([]byte(out), &m); err != nil || m.Config.Digest != id {
		t.Errorf("oci:%s:v1 config %q (%v), want %s", dest, m.Config.Digest, err, id)
	}
	img := walkLayout(t, dest, "v1", c)
	img.assertNoFile(t, "/run/secrets/s")
	if got := img.file(t, "/marker"); got != "exported\n" {
		t.Errorf("/marker = %q, want %q", got, "exported\n")
	}
}

func TestOutputDocker(t *testing.T) {
	c := newCanary(t)
	dir := tempDir(t)
	archive := filepath.Join(dir, "image.tar")
	tag, id, _ := buildIn(t, c, contextBuild{
		dockerfile: outputDockerfile,
		flags:      []string{"-o", "type=docker,dest=" + archive, "--secret", "id=s,src=" + secretFile(t, "token", c.value)},
	})
	if _, err := skopeo(t, false, "inspect", "docker-archive:"+archive); err != nil {
		t.Fatalf("reading the docker archive back: %v", err)
	}
	// The archive's own blobs, converted by skopeo, walked like any image.
	layout := filepath.Join(dir, "from-archive")
	if _, err := skopeo(t, false, "copy", "-q", "docker-archive:"+archive, "oci:"+layout+":x"); err != nil {
		t.Fatal(err)
	}
	img := walkLayout(t, layout, "x", c)
	img.assertNoFile(t, "/run/secrets/s")
	if img.configDigest != id {
		t.Errorf("the archive's config is %s, want the image's, %s", img.configDigest, id)
	}

	t.Run("docker load and run", func(t *testing.T) {
		probe, cancelProbe := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancelProbe()
		if out, err := exec.CommandContext(probe, "docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput(); err != nil {
			t.Skipf("no docker daemon answers (%v: %s); the archive was checked with skopeo only", err, strings.TrimSpace(string(out)))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, "docker", "load", "-i", archive).CombinedOutput()
		if err != nil {
			t.Fatalf("docker load: %v: %s", err, out)
		}
		t.Cleanup(func() { _ = exec.Command("docker", "rmi", "-f", tag).Run() })
		if !strings.Contains(string(out), "Loaded image: "+tag) {
			t.Errorf("docker load printed %q, want it to load %s", out, tag)
		}
		out, err = exec.CommandContext(ctx, "docker", "run", "--rm", "--network", "none", tag, "cat", "/marker").CombinedOutput()
		if err != nil {
			t.Fatalf("docker run: %v: %s", err, out)
		}
		if string(out) != "exported\n" {
			t.Errorf("docker run %s cat /marker = %q, want %q", tag, out, "exported\n")
		}
	})
}

func TestPushToRegistry(t *testing.T) {
	c := newCanary(t)
	addr := startRegistry(t)
	tag := addr + "/hush/e2e-" + randHex(t, 4) + ":1"
	_, id, _ := buildIn(t, c, contextBuild{
		dockerfile: outputDockerfile,
		tag:        tag,
		// --provenance=false: the image's own manifest under the tag, no
		// index (tests/attest_test.go pushes with attestations).
		flags: []string{"--push", "--tls-verify=false", "--provenance=false", "--secret", "id=s,src=" + secretFile(t, "token", c.value)},
	})
	out, err := skopeo(t, false, "inspect", "--tls-verify=false", "--raw", "docker://"+tag)
	if err != nil {
		t.Fatalf("the registry does not have %s: %v", tag, err)
	}
	var m manifestDoc
	if err := json.Unmarshal([]byte(out), &m); err != nil || m.Config.Digest != id {
		t.Errorf("docker://%s: config %q (%v), want %s", tag, m.Config.Digest, err, id)
	}
	layout := filepath.Join(tempDir(t), "pulled")
	if _, err := skopeo(t, false, "copy", "-q", "--src-tls-verify=false", "docker://"+tag, "oci:"+layout+":x"); err != nil {
		t.Fatal(err)
	}
	img := walkLayout(t, layout, "x", c)
	img.assertNoFile(t, "/run/secrets/s")
	if got := img.file(t, "/marker"); got != "exported\n" {
		t.Errorf("/marker = %q, want %q", got, "exported\n")
	}
	found := false
	for _, n := range imageNames(t, suite.root) {
		found = found || n == tag
	}
	if !found {
		t.Errorf("local storage has no image named %s after the push", tag)
	}
}
