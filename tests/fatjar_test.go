package tests

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// fatJarLibs and fatJarLib make a fat jar's stored libraries over 100 MiB
// of incompressible bytes, past what the scanner holds in memory (64 MiB):
// it walks the jar by its local headers.
const (
	fatJarLibs = 26
	fatJarLib  = 4 << 20
)

// streamWriter hides everything but Write, as a pipe does: Go's
// archive/zip, like Java's ZipOutputStream to a stream, then writes every
// member's sizes in a data descriptor after its data (bit 3).
type streamWriter struct{ w io.Writer }

func (s streamWriter) Write(p []byte) (int, error) { return s.w.Write(p) }

// fatJar is a Spring Boot fat jar as a streamed writer makes it: the
// manifest, 26 stored library jars of 4 MiB (incompressible class data),
// then BOOT-INF/classes/application.properties, deflated, holding props.
func fatJar(t *testing.T, props string) []byte {
	t.Helper()
	rng := rand.NewChaCha8([32]byte{9})
	member := func(zw *zip.Writer, name string, method uint16, body []byte) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	var jar bytes.Buffer
	zw := zip.NewWriter(streamWriter{&jar})
	member(zw, "META-INF/MANIFEST.MF", zip.Deflate, []byte("Manifest-Version: 1.0\nMain-Class: org.springframework.boot.loader.launch.JarLauncher\nStart-Class: com.example.App\n"))
	for i := range fatJarLibs {
		classes := make([]byte, fatJarLib)
		_, _ = rng.Read(classes)
		var lib bytes.Buffer
		lw := zip.NewWriter(streamWriter{&lib})
		member(lw, "META-INF/MANIFEST.MF", zip.Deflate, []byte("Manifest-Version: 1.0\n"))
		member(lw, fmt.Sprintf("com/example/lib%02d/Classes.class", i), zip.Deflate, classes)
		if err := lw.Close(); err != nil {
			t.Fatal(err)
		}
		member(zw, fmt.Sprintf("BOOT-INF/lib/lib%02d-1.0.jar", i), zip.Store, lib.Bytes())
	}
	member(zw, "BOOT-INF/classes/application.properties", zip.Deflate, []byte(props))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if jar.Len() < 100<<20 {
		t.Fatalf("fat jar of %d bytes, want over 100 MiB", jar.Len())
	}
	return jar.Bytes()
}

func springProps(password string) string {
	return "server.port=8080\nspring.datasource.url=jdbc:postgresql://db:5432/app\nspring.datasource.username=app\n" +
		"spring.datasource.password=" + password + "\n"
}

// TestGuardFatJar: a Spring Boot fat jar over 100 MiB, written by a
// streamed writer (every member with a data descriptor), whose secret is
// in a deflated member after 100 MiB of stored jars: its COPY is refused.
// The same jar without the secret builds clean.
func TestGuardFatJar(t *testing.T) {
	jarWith := func(secret bool) func(*testing.T, *canary) (map[string]string, []string, []string) {
		return func(t *testing.T, c *canary) (map[string]string, []string, []string) {
			_, flags, env := tokenEnv("db")(t, c)
			pass := "not-the-password"
			if secret {
				pass = c.value
			}
			return map[string]string{"app.jar": string(fatJar(t, springProps(pass)))}, flags, env
		}
	}
	const dockerfile = "FROM localhost/busybox\nCOPY app.jar /app/app.jar\n"
	runLeakCases(t, []leakCase{{
		name:       "fat jar over 100 MiB, secret after the stored jars",
		dockerfile: dockerfile,
		setup:      jarWith(true),
		wants:      []want{{id: "db", path: "/app/app.jar!BOOT-INF/classes/application.properties", frag: "value", enc: "raw"}},
	}})
	runLeakCases(t, []leakCase{{
		name:       "fat jar over 100 MiB without the secret",
		dockerfile: dockerfile,
		setup:      jarWith(false),
	}})
}

// TestAuditFatJar: hush audit finds the same secret in an image built
// without the guard knowing it, and nothing in the clean look-alike.
func TestAuditFatJar(t *testing.T) {
	c := newCanary(t)
	db := secretFile(t, "db", c.value)
	img := func(suffix, pass string) string {
		tag, _, _ := buildIn(t, nil, contextBuild{
			dockerfile: "FROM localhost/busybox\nCOPY app.jar /app/app.jar\n",
			files:      map[string]string{"app.jar": string(fatJar(t, springProps(pass)))},
			tag:        tagFor(t, suffix),
		})
		t.Cleanup(func() { _, _ = skopeo(t, true, "delete", storeRef(suite.root, suite.runRoot, tag)) })
		return tag
	}
	leaky := img("-leaky", c.value)
	rep := audit(t, c, 1, "--secret", "id=db,src="+db, "--heuristics=false", leaky)
	found := false
	for _, im := range rep.Images {
		for _, f := range im.Findings {
			found = found || f.SecretID == "db" && strings.TrimPrefix(f.Path, "/") == "app/app.jar!BOOT-INF/classes/application.properties"
		}
	}
	if !found {
		t.Errorf("audit: no finding of secret db at app/app.jar!BOOT-INF/classes/application.properties: %+v", rep)
	}
	audit(t, c, 0, "--secret", "id=db,src="+db, "--heuristics=false", img("-clean", "not-the-password"))
}
