package tests

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ulikunitz/xz"
)

// longCanary is a canary longer than a wrapped line once encoded: base64
// of it takes two 76-column lines, its hex three 60-column ones.
func longCanary(t *testing.T) *canary {
	return canaryOf("hushcanary-" + randHex(t, 24) + "-" + randHex(t, 20))
}

// wrapLines breaks s into lines of n characters ending in eol.
func wrapLines(s string, n int, eol string) string {
	var b strings.Builder
	for len(s) > n {
		b.WriteString(s[:n] + eol)
		s = s[n:]
	}
	return b.String() + s + eol
}

// TestGuardMisses: what common tools write by default, found by an
// adversarial test of the guard (issue 9): wrapped encodings, passwords
// that start with '$', XML credentials, a label, nesting too deep to open.
func TestGuardMisses(t *testing.T) {
	runLeakCases(t, []leakCase{{
		// busybox base64 wraps at 76 like coreutils; the value at three
		// alignments (after "ci:", "bot:", "user:").
		name:   "base64 wrapped at 76 columns",
		canary: longCanary,
		dockerfile: "FROM localhost/busybox\n" +
			`RUN --mount=type=secret,id=tok,env=T sh -c 'mkdir -p /cfg && for u in ci bot user; do printf "%s:%s" $u "$T" | base64 > /cfg/$u.b64; done'` + "\n",
		setup: tokenEnv("tok"),
		wants: []want{
			{id: "tok", path: "/cfg/ci.b64", frag: "value", enc: "base64"},
			{id: "tok", path: "/cfg/bot.b64", frag: "value", enc: "base64"},
			{id: "tok", path: "/cfg/user.b64", frag: "value", enc: "base64"},
		},
	}, {
		name:       "hex wrapped at 60 columns (xxd -p)",
		canary:     longCanary,
		dockerfile: "FROM localhost/busybox\n" + `RUN --mount=type=secret,id=tok,env=T sh -c 'printf %s "$T" | xxd -p > /dump.hex'` + "\n",
		setup:      tokenEnv("tok"),
		wants:      []want{{id: "tok", path: "/dump.hex", frag: "value", enc: "hex"}},
	}, {
		// Windows tooling: base64 wrapped at 64 with CRLF, copied in.
		name:       "base64 wrapped at 64 with CRLF",
		canary:     longCanary,
		dockerfile: "FROM localhost/busybox\nCOPY token.b64 /etc/app/token.b64\n",
		setup: func(t *testing.T, c *canary) (map[string]string, []string, []string) {
			files, flags, env := tokenEnv("tok")(t, c)
			b64 := base64.StdEncoding.EncodeToString([]byte(c.value))
			files = map[string]string{"token.b64": wrapLines(b64, 64, "\r\n")}
			return files, flags, env
		},
		wants: []want{{id: "tok", path: "/etc/app/token.b64", frag: "value", enc: "base64"}},
	}, {
		name: "password starting with $ copied out of an ini file",
		canary: func(t *testing.T) *canary {
			return canaryOf("$ecret-" + randHex(t, 12))
		},
		dockerfile: "FROM localhost/busybox\n" +
			`RUN --mount=type=secret,id=db sh -c 'grep password /run/secrets/db | cut -d" " -f3 > /app.pw'` + "\n",
		setup: func(t *testing.T, c *canary) (map[string]string, []string, []string) {
			f := secretFile(t, "db.ini", "[db]\nhost = db.internal\npassword = "+c.value+"\n")
			return nil, []string{"--secret", "id=db,src=" + f}, nil
		},
		wants: []want{{id: "db", path: "/app.pw", frag: "key-value", enc: "raw"}},
	}, {
		name: "Maven settings.xml password copied into a properties file",
		dockerfile: "FROM localhost/busybox\n" +
			`RUN --mount=type=secret,id=maven sh -c 'printf "deploy.password=%s\n" "$(sed -n "s:.*<password>\(.*\)</password>.*:\1:p" /run/secrets/maven)" > /deploy.properties'` + "\n",
		setup: func(t *testing.T, c *canary) (map[string]string, []string, []string) {
			f := secretFile(t, "settings.xml", "<settings>\n  <servers>\n    <server>\n      <id>corp</id>\n      <username>deployer</username>\n      <password>"+c.value+"</password>\n    </server>\n  </servers>\n</settings>\n")
			return nil, []string{"--secret", "id=maven,src=" + f}, nil
		},
		wants: []want{{id: "maven", path: "/deploy.properties", frag: "key-value", enc: "raw"}},
	}, {
		name: "NuGet.Config ClearTextPassword value copied",
		dockerfile: "FROM localhost/busybox\n" +
			`RUN --mount=type=secret,id=nuget sh -c 'grep ClearTextPassword /run/secrets/nuget | sed "s/.*value=\"\([^\"]*\)\".*/\1/" > /nuget.pw'` + "\n",
		setup: func(t *testing.T, c *canary) (map[string]string, []string, []string) {
			f := secretFile(t, "NuGet.Config", `<?xml version="1.0" encoding="utf-8"?>`+"\n<configuration>\n  <packageSourceCredentials>\n    <corp>\n"+
				`      <add key="Username" value="ci" />`+"\n"+`      <add key="ClearTextPassword" value="`+c.value+`" />`+"\n    </corp>\n  </packageSourceCredentials>\n</configuration>\n")
			return nil, []string{"--secret", "id=nuget,src=" + f}, nil
		},
		wants: []want{{id: "nuget", path: "/nuget.pw", frag: "key-value", enc: "raw"}},
	}, {
		name:       "a label holding the secret is refused before the build",
		dockerfile: "FROM localhost/busybox\nRUN echo built > /x\n",
		setup: func(t *testing.T, c *canary) (map[string]string, []string, []string) {
			_, flags, env := tokenEnv("tok")(t, c)
			return nil, append(flags, "--label", "org.example.note="+c.value), env
		},
		before: true,
		wants:  []want{{id: "tok", field: "--label org.example.note", frag: "value", enc: "raw"}},
	}})
}

// TestGuardIncomplete: a file nested deeper than the scanner opens (ten
// gzip levels) cannot be vouched for: the guard refuses the image and says
// why, and tags nothing.
func TestGuardIncomplete(t *testing.T) {
	c := newCanary(t)
	data := []byte("token: " + c.value + "\n")
	for range 10 {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, _ = zw.Write(data)
		_ = zw.Close()
		data = b.Bytes()
	}
	_, flags, env := tokenEnv("tok")(t, c)
	r, tag, out := guardBuild(t, c, map[string]string{
		"Dockerfile": "FROM localhost/busybox\nCOPY deep.gz /deep.gz\n",
		"deep.gz":    string(data),
	}, flags, env)
	if r.code != 3 || !strings.Contains(r.stderr, "scan incomplete: archives nested deeper than") || !strings.Contains(r.stderr, "/deep.gz") {
		t.Errorf("exit %d, want 3 and a message that the scan is incomplete at /deep.gz:\n%s", r.code, r.stderr)
	}
	assertRefused(t, r, tag, out, false)
}

// TestGuardMissesLookAlikes: what must still build: wrapped base64 of
// something else, and credential helpers' names in an image when the
// secret is an AWS or docker config that names them too.
func TestGuardMissesLookAlikes(t *testing.T) {
	runLeakCases(t, []leakCase{{
		name:       "wrapped base64 and hex of random bytes",
		canary:     longCanary,
		dockerfile: "FROM localhost/busybox\nRUN --mount=type=secret,id=tok sh -c 'head -c 300 /dev/urandom | base64 > /r.b64; head -c 100 /dev/urandom | xxd -p > /r.hex'\n",
		setup:      tokenEnv("tok"),
		check: func(t *testing.T, c *canary, r result, img *image) {
			if got := img.file(t, "/r.b64"); strings.Count(got, "\n") < 5 {
				t.Errorf("/r.b64 = %q, want wrapped base64", got)
			}
		},
	}, {
		// AWS's recommended runtime config names a credential source, not
		// a credential; the docker config names its helper.
		name: "AWS runtime config and docker credsStore in the image, secret names them too",
		dockerfile: "FROM localhost/busybox\nCOPY aws-config /root/.aws/config\nCOPY docker-config.json /root/.docker/config.json\n" +
			"RUN --mount=type=secret,id=aws --mount=type=secret,id=docker wc -c /run/secrets/aws\n",
		setup: func(t *testing.T, c *canary) (map[string]string, []string, []string) {
			runtime := "[default]\nregion = eu-west-1\ncredential_source = Ec2InstanceMetadata\n" +
				"[profile build]\ncredential_process = /usr/local/bin/aws-vault-helper exec build --json\n"
			aws := secretFile(t, "credentials", "[ci]\naws_access_key_id = AKIA"+strings.ToUpper(randHex(t, 8))+"\naws_secret_access_key = "+c.value+"\n"+runtime)
			dcfg := `{"auths":{"registry.example.com":{}},"credsStore":"ecr-login","credHelpers":{"123456789012.dkr.ecr.eu-west-1.amazonaws.com":"ecr-login"}}`
			docker := secretFile(t, "config.json", strings.Replace(dcfg, "{}", `{"auth":"`+hex.EncodeToString([]byte(c.value))+`"}`, 1))
			return map[string]string{"aws-config": runtime, "docker-config.json": dcfg + "\n"},
				[]string{"--secret", "id=aws,src=" + aws, "--secret", "id=docker,src=" + docker}, nil
		},
	}})
}

// TestRedactWrapped: a step that prints the secret base64'd (wrapped at
// 76) and hex-dumped (wrapped at 60): the log must not let a reader join
// the lines back into the value.
func TestRedactWrapped(t *testing.T) {
	c := longCanary(t)
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": "FROM localhost/busybox\n" +
		`RUN --mount=type=secret,id=tok,env=T sh -c 'printf "ci:%s" "$T" | base64; printf %s "$T" | xxd -p; echo done'` + "\n"})
	r := runHush(t, c, call{args: build("-t", tagFor(t, ""), "--secret", "id=tok,env=HUSH_E2E_TOKEN", ctx), env: []string{"HUSH_E2E_TOKEN=" + c.value}})
	if r.code != 0 {
		t.Fatalf("exit code = %d, want 0\nstderr:\n%s", r.code, r.stderr)
	}
	wantLine(t, r.stderr, "done")
	joined := strings.NewReplacer("\r", "", "\n", "").Replace(r.stderr)
	if name := c.find([]byte(joined)); name != "" {
		t.Errorf("the log's lines joined hold the canary's %s", name)
	}
	if !strings.Contains(r.stderr, "****") {
		t.Errorf("nothing redacted:\n%s", c.mask(r.stderr))
	}
}

// TestGuardBaseBuiltByHush: a base image built by hush (or buildah) has
// "FROM" comments of its own build in its history. Its layers are the
// base's business (hush audit's), not this build's: a build on it that
// leaks nothing builds clean although the base holds the value, and a
// build that leaks is refused naming its own stage.
func TestGuardBaseBuiltByHush(t *testing.T) {
	c := newCanary(t)
	inBase := "base-shipped-" + randHex(t, 16)
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{
		"Dockerfile": "FROM localhost/busybox\nCOPY base.conf /etc/base.conf\nRUN echo more > /etc/more\n",
		"base.conf":  "token = " + inBase + "\n",
	})
	base := tagFor(t, "-base")
	mustBuild(t, c, call{args: build("--layers", "-t", base, ctx)})
	env := []string{"HUSH_E2E_TOKEN=" + inBase}
	flags := []string{"--secret", "id=tok,env=HUSH_E2E_TOKEN"}
	from := strings.TrimSuffix(base, ":latest")

	t.Run("clean", func(t *testing.T) {
		r, tag, out := guardBuild(t, c, map[string]string{"Dockerfile": "FROM " + from + "\nRUN --mount=type=secret,id=tok wc -c /run/secrets/tok > /len\n"}, flags, env)
		assertBuilt(t, r, c, tag, out)
	})
	t.Run("leaks", func(t *testing.T) {
		r, tag, out := guardBuild(t, c, map[string]string{"Dockerfile": "FROM " + from + "\nRUN --mount=type=secret,id=tok cp /run/secrets/tok /copied\n"}, flags, env)
		assertRefused(t, r, tag, out, false, want{id: "tok", path: "/copied", frag: "value", enc: "raw"})
		for _, f := range parseGuard(r.stderr) {
			if !strings.Contains(f.where, "(stage FROM "+from) || strings.Contains(f.where, "/etc/base.conf") {
				t.Errorf("finding %q: want only this build's layer, in stage FROM %s", f.line, from)
			}
		}
	})
}

// convertedKeys makes an RSA key with ssh-keygen (OpenSSH's own format, the
// secret) and, in dir, the same key converted: PKCS#1 PEM and PKCS#8 PEM
// by ssh-keygen -p (which also draws new check numbers), DER by openssl
// when it is installed, and the public key.
func convertedKeys(t *testing.T, dir string) (secret string, files map[string]string) {
	t.Helper()
	key := filepath.Join(dir, "id_rsa")
	run := func(name string, args ...string) {
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v: %s", name, args, err, out)
		}
	}
	run("ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-C", "hush-e2e", "-f", key)
	files = map[string]string{}
	read := func(p string) string {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	secret = read(key)
	files["id_rsa.pub"] = read(key + ".pub")
	for _, m := range []string{"PEM", "PKCS8"} {
		c := filepath.Join(dir, "key-"+m)
		writeFile(t, c, secret, 0o600)
		run("ssh-keygen", "-q", "-p", "-m", m, "-N", "", "-P", "", "-f", c)
		files["key-"+m] = read(c)
	}
	if _, err := exec.LookPath("openssl"); err == nil {
		der := filepath.Join(dir, "key.der")
		run("openssl", "pkey", "-in", filepath.Join(dir, "key-PKCS8"), "-outform", "DER", "-out", der)
		files["key.der"] = read(der)
	}
	return secret, files
}

// TestGuardConvertedKey: a private key is the same secret in any encoding.
// Converted copies (PKCS#1, PKCS#8, DER) are refused by the key's secret
// numbers; the public key alone builds clean.
func TestGuardConvertedKey(t *testing.T) {
	runLeakCases(t, []leakCase{{
		name:       "private key converted by ssh-keygen and openssl",
		dockerfile: "FROM localhost/busybox\nCOPY key-PEM /etc/ssl/private/pkcs1.pem\nCOPY key-PKCS8 /etc/ssl/private/pkcs8.pem\n",
		setup: func(t *testing.T, c *canary) (map[string]string, []string, []string) {
			secret, files := convertedKeys(t, tempDir(t))
			f := secretFile(t, "id_rsa", secret)
			return map[string]string{"key-PEM": files["key-PEM"], "key-PKCS8": files["key-PKCS8"]}, []string{"--secret", "id=deploykey,src=" + f}, nil
		},
		wants: []want{
			{id: "deploykey", path: "/etc/ssl/private/pkcs1.pem", frag: "key-material", enc: "base64"},
			{id: "deploykey", path: "/etc/ssl/private/pkcs8.pem", frag: "key-material", enc: "base64"},
		},
	}, {
		name:       "private key as DER",
		dockerfile: "FROM localhost/busybox\nCOPY key.der /etc/ssl/private/key.der\n",
		setup: func(t *testing.T, c *canary) (map[string]string, []string, []string) {
			secret, files := convertedKeys(t, tempDir(t))
			if files["key.der"] == "" {
				t.Skip("no openssl to write the DER form")
			}
			f := secretFile(t, "id_rsa", secret)
			return map[string]string{"key.der": files["key.der"]}, []string{"--secret", "id=deploykey,src=" + f}, nil
		},
		wants: []want{{id: "deploykey", path: "/etc/ssl/private/key.der", frag: "key-material", enc: "raw"}},
	}, {
		name:       "public key of the secret key",
		dockerfile: "FROM localhost/busybox\nCOPY id_rsa.pub /root/.ssh/authorized_keys\n",
		setup: func(t *testing.T, c *canary) (map[string]string, []string, []string) {
			secret, files := convertedKeys(t, tempDir(t))
			f := secretFile(t, "id_rsa", secret)
			return map[string]string{"id_rsa.pub": files["id_rsa.pub"]}, []string{"--secret", "id=deploykey,src=" + f}, nil
		},
	}})
}

// Builders of packaged files, written into the build context at test time.

func tarBytes(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		_, _ = tw.Write([]byte(body))
	}
	_ = tw.Close()
	return b.Bytes()
}

func gzipBytes(p []byte) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, _ = zw.Write(p)
	_ = zw.Close()
	return b.Bytes()
}

func xzBytes(t *testing.T, p []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := xz.NewWriter(&b)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write(p)
	_ = w.Close()
	return b.Bytes()
}

func zipBytes(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte(body))
	}
	_ = zw.Close()
	return b.Bytes()
}

// gitObject is a git loose object (zlib of "blob N\0content"), as a commit
// leaves it under .git/objects after the work file is removed.
func gitObject(content string) []byte {
	var b bytes.Buffer
	zw := zlib.NewWriter(&b)
	fmt.Fprintf(zw, "blob %d\x00%s", len(content), content)
	_ = zw.Close()
	return b.Bytes()
}

// TestGuardPackaged: packaging formats real tools write: a tar.xz, a git
// loose object, a zipapp behind its shebang, a docker save tarball of gzip
// layers inside a tar.gz. A zipapp without the secret builds clean.
func TestGuardPackaged(t *testing.T) {
	withToken := func(name string, make func(t *testing.T, c *canary) []byte) func(*testing.T, *canary) (map[string]string, []string, []string) {
		return func(t *testing.T, c *canary) (map[string]string, []string, []string) {
			_, flags, env := tokenEnv("tok")(t, c)
			return map[string]string{name: string(make(t, c))}, flags, env
		}
	}
	runLeakCases(t, []leakCase{{
		name:       "tar.xz holding the token",
		dockerfile: "FROM localhost/busybox\nCOPY vendor.tar.xz /opt/vendor.tar.xz\n",
		setup: withToken("vendor.tar.xz", func(t *testing.T, c *canary) []byte {
			return xzBytes(t, tarBytes(t, map[string]string{"etc/token": c.value + "\n"}))
		}),
		wants: []want{{id: "tok", path: "/opt/vendor.tar.xz!etc/token", frag: "value", enc: "raw"}},
	}, {
		name:       "git object of a committed token, work file removed",
		dockerfile: "FROM localhost/busybox\nCOPY obj /src/.git/objects/3f/0d1c2b4a5968778695a4b3c2d1e0f9a8b7c6d5\n",
		setup: withToken("obj", func(t *testing.T, c *canary) []byte {
			return gitObject("API_TOKEN=" + c.value + "\n")
		}),
		wants: []want{{id: "tok", path: "/src/.git/objects/3f/0d1c2b4a5968778695a4b3c2d1e0f9a8b7c6d5", frag: "value", enc: "raw"}},
	}, {
		name:       "zipapp with a shebang",
		dockerfile: "FROM localhost/busybox\nCOPY tool.pyz /usr/local/bin/tool\n",
		setup: withToken("tool.pyz", func(t *testing.T, c *canary) []byte {
			return append([]byte("#!/usr/bin/env python3\n"), zipBytes(t, map[string]string{"__main__.py": "import cfg\n", "cfg.py": "TOKEN = '" + c.value + "'\n"})...)
		}),
		wants: []want{{id: "tok", path: "/usr/local/bin/tool!cfg.py", frag: "value", enc: "raw"}},
	}, {
		name:       "docker save tarball of gzip layers in a tar.gz",
		dockerfile: "FROM localhost/busybox\nCOPY images.tgz /var/lib/images.tgz\n",
		setup: withToken("images.tgz", func(t *testing.T, c *canary) []byte {
			layer := gzipBytes(tarBytes(t, map[string]string{"root/.npmrc": "//registry.npmjs.org/:_authToken=" + c.value + "\n"}))
			save := tarBytes(t, map[string]string{"manifest.json": `[{"Layers":["0a/layer.tar"]}]`, "0a/layer.tar": string(layer)})
			return gzipBytes(save)
		}),
		wants: []want{{id: "tok", path: "/var/lib/images.tgz!0a/layer.tar!root/.npmrc", frag: "value", enc: "raw"}},
	}})
	runLeakCases(t, []leakCase{{
		name:       "zipapp with a shebang and no secret",
		dockerfile: "FROM localhost/busybox\nCOPY tool.pyz /usr/local/bin/tool\n",
		setup: withToken("tool.pyz", func(t *testing.T, c *canary) []byte {
			return append([]byte("#!/usr/bin/env python3\n"), zipBytes(t, map[string]string{"__main__.py": "print('hello')\n"})...)
		}),
	}})
}

// TestAuditMisses: hush audit uses the guard's engine, so it finds what
// the guard now refuses in an image built without the secret (no guard):
// a wrapped base64 copy, a tar.xz, a zipapp, a converted key; and a file
// nested too deep makes the audit fail (exit 2), not pass.
func TestAuditMisses(t *testing.T) {
	c := longCanary(t)
	keySecret, keys := convertedKeys(t, tempDir(t))
	tok := secretFile(t, "tok", c.value)
	key := secretFile(t, "id_rsa", keySecret)
	files := map[string]string{
		"token.b64":  wrapLines(base64.StdEncoding.EncodeToString([]byte("ci:"+c.value)), 76, "\n"),
		"vendor.txz": string(xzBytes(t, tarBytes(t, map[string]string{"etc/token": c.value}))),
		"tool.pyz":   "#!/usr/bin/env python3\n" + string(zipBytes(t, map[string]string{"cfg.py": "T = '" + c.value + "'\n"})),
		"pkcs8.pem":  keys["key-PKCS8"],
	}
	leaky, _, _ := buildIn(t, nil, contextBuild{
		dockerfile: "FROM localhost/busybox\nCOPY token.b64 vendor.txz tool.pyz pkcs8.pem /opt/\n",
		files:      files,
		tag:        tagFor(t, "-leaky"),
	})
	t.Cleanup(func() { _, _ = skopeo(t, true, "delete", storeRef(suite.root, suite.runRoot, leaky)) })
	rep := audit(t, c, 1, "--secret", "id=tok,src="+tok, "--secret", "id=key,src="+key, "--heuristics=false", leaky)
	for path, id := range map[string]string{"opt/token.b64": "tok", "opt/vendor.txz!etc/token": "tok", "opt/tool.pyz!cfg.py": "tok", "opt/pkcs8.pem": "key"} {
		found := false
		for _, im := range rep.Images {
			for _, f := range im.Findings {
				found = found || f.SecretID == id && strings.TrimPrefix(f.Path, "/") == path
			}
		}
		if !found {
			t.Errorf("audit: no finding of secret %s at %s: %+v", id, path, rep)
		}
	}

	deep := []byte(c.value)
	for range 10 {
		deep = gzipBytes(deep)
	}
	deepImg, _, _ := buildIn(t, nil, contextBuild{
		dockerfile: "FROM localhost/busybox\nCOPY deep.gz /opt/\n",
		files:      map[string]string{"deep.gz": string(deep)},
		tag:        tagFor(t, "-deep"),
	})
	t.Cleanup(func() { _, _ = skopeo(t, true, "delete", storeRef(suite.root, suite.runRoot, deepImg)) })
	all := []string{"audit", "--root", suite.root, "--runroot", suite.runRoot, "--secret", "id=tok,src=" + tok, deepImg}
	r := runHush(t, nil, call{args: all})
	if r.code != 2 || !strings.Contains(r.stderr+r.stdout, "scan incomplete") {
		t.Errorf("audit of a file nested too deep: exit %d, want 2 and \"scan incomplete\"\nstdout:\n%s\nstderr:\n%s", r.code, c.mask(r.stdout), c.mask(r.stderr))
	}
}
