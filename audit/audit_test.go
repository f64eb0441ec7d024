package audit

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	is "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/transports/alltransports"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage"
	"go.podman.io/storage/pkg/reexec"

	"github.com/hushbuild/hush/secrets"
	"github.com/hushbuild/hush/secrets/pattern"
)

func TestMain(m *testing.M) {
	// containers-storage applies layers in a re-executed child.
	if reexec.Init() {
		return
	}
	os.Exit(m.Run())
}

// summary is a finding in one comparable line: location, rule, where, and
// for hidden findings which layer hid it and how.
func summary(f Finding) string {
	where := f.Path
	if f.Location == Metadata {
		where = f.Field
	}
	s := fmt.Sprintf("%s %s %s", f.Location, f.Rule, where)
	if f.Layer != nil {
		s += fmt.Sprintf(" @%d", f.Layer.Index)
	}
	if f.LinkTo != "" {
		s += " ->" + f.LinkTo
	}
	if f.HiddenBy != nil {
		s += fmt.Sprintf(" hidden:%d:%s", f.HiddenBy.Index, f.HiddenBy.How)
	}
	return s
}

func summaries(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, summary(f))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// leakyWant is every finding in leakyImage, with --secret token=canary.
var leakyWant = []string{
	"hidden known-secret /etc/app/over.conf @1 hidden:2:overwritten",
	"hidden known-secret /opt/cache/data.bin @1 hidden:3:opaque directory",
	"hidden known-secret /root/secret.txt @1 hidden:3:whiteout",
	"hidden pip-url-credentials /root/.pip/pip.conf @1 hidden:3:whiteout",
	"metadata credential-name config.Env[1]",
	"metadata credential-name history[3].created_by",
	"metadata credential-name history[4].created_by",
	"metadata known-secret history[3].created_by",
	"runtime known-secret /app/keep/hard @1 ->/root/secret.txt",
	"runtime known-secret /srv/b64.json @1",
	"runtime known-secret /srv/deps.tar.gz!pkg/.npmrc @1",
	"runtime private-key /root/.ssh/id_rsa @2",
}

func knownSecret() []secrets.Secret {
	return []secrets.Secret{secrets.New("token", []byte(canary))}
}

func audit1(t *testing.T, o Options) ImageReport {
	t.Helper()
	rep, err := Audit(context.Background(), o)
	if err != nil {
		t.Fatalf("Audit: %v", err)
	}
	if len(rep.Images) != 1 {
		t.Fatalf("%d image reports, want 1", len(rep.Images))
	}
	return rep.Images[0]
}

func checkLeaky(t *testing.T, ir ImageReport) {
	t.Helper()
	got := summaries(ir.Findings)
	if !slices.Equal(got, leakyWant) {
		t.Errorf("findings:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(leakyWant, "\n  "))
	}
	for _, f := range ir.Findings {
		if f.Location != Metadata && (f.Layer == nil || f.Layer.Digest == "") {
			t.Errorf("%s: no layer digest", summary(f))
		}
		if f.Location == Hidden && f.HiddenBy.Digest == "" {
			t.Errorf("%s: no hiding layer digest", summary(f))
		}
	}
	if ir.Layers != 4 || ir.Digest == "" || ir.ConfigDigest == "" {
		t.Errorf("image: %d layers, digest %q, config %q", ir.Layers, ir.Digest, ir.ConfigDigest)
	}
}

func TestAuditOCI(t *testing.T) {
	ref := writeOCI(t, t.TempDir(), "leaky", leakyImage(t))
	ir := audit1(t, Options{Images: []string{ref}, Secrets: knownSecret()})
	checkLeaky(t, ir)
	// Layer instructions come from history, skipping empty layers; the
	// build arg's value is redacted from them.
	for _, f := range ir.Findings {
		switch {
		case f.Path == "/root/.ssh/id_rsa" && f.Instruction != "RUN |1 SECRET=**** /bin/sh -c make":
			t.Errorf("instruction of layer 2 = %q", f.Instruction)
		case f.Path == "/root/secret.txt" && f.Instruction != "COPY . / # buildkit":
			t.Errorf("instruction of layer 1 = %q", f.Instruction)
		case f.Path == "/srv/b64.json" && f.Encoding != pattern.EncBase64:
			t.Errorf("b64.json: encoding %q, want base64", f.Encoding)
		case f.Rule == RuleKnownSecret && f.SecretID != "token":
			t.Errorf("%s: secret id %q", summary(f), f.SecretID)
		}
	}
}

// Without a known value, only the heuristics report.
func TestAuditHeuristicsOnly(t *testing.T) {
	ref := writeOCI(t, t.TempDir(), "leaky", leakyImage(t))
	got := summaries(audit1(t, Options{Images: []string{ref}}).Findings)
	var want []string
	for _, w := range leakyWant {
		if !strings.Contains(w, RuleKnownSecret) {
			want = append(want, w)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	got = summaries(audit1(t, Options{Images: []string{ref}, NoHeuristics: true}).Findings)
	if len(got) != 0 {
		t.Errorf("NoHeuristics and no secret: %q, want nothing", got)
	}
}

func TestAuditCleanImage(t *testing.T) {
	ref := writeOCI(t, t.TempDir(), "clean", cleanImage(t))
	ir := audit1(t, Options{Images: []string{ref}, Secrets: knownSecret()})
	if len(ir.Findings) != 0 {
		t.Errorf("clean image: %q, want no finding", summaries(ir.Findings))
	}
}

// The same image through every file transport, converted by
// containers/image.
func TestAuditTransports(t *testing.T) {
	dir := t.TempDir()
	src := writeOCI(t, filepath.Join(dir, "oci"), "leaky", leakyImage(t))
	for _, dst := range []string{
		"oci-archive:" + filepath.Join(dir, "leaky-oci.tar") + ":leaky",
		"docker-archive:" + filepath.Join(dir, "leaky-docker.tar") + ":localhost/leaky:latest",
		"dir:" + filepath.Join(dir, "leaky-dir"),
	} {
		t.Run(strings.SplitN(dst, ":", 2)[0], func(t *testing.T) {
			convert(t, src, dst, nil)
			name := dst
			if strings.HasPrefix(dst, "docker-archive:") {
				name = strings.TrimSuffix(dst, ":localhost/leaky:latest")
			}
			ir := audit1(t, Options{Images: []string{name}, Secrets: knownSecret()})
			checkLeaky(t, ir)
			if want := strings.SplitN(dst, ":", 2)[0]; ir.Transport != want {
				t.Errorf("transport %q, want %q", ir.Transport, want)
			}
		})
	}
}

// containers-storage, the default transport: a real store in a temp dir.
func TestAuditContainersStorage(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("containers-storage test needs root (a store in a temp dir with the vfs driver); run as root or in make test")
	}
	dir := t.TempDir()
	src := writeOCI(t, filepath.Join(dir, "oci"), "leaky", leakyImage(t))
	root, runRoot := filepath.Join(dir, "root"), filepath.Join(dir, "runroot")
	store, err := storage.GetStore(storage.StoreOptions{GraphRoot: root, RunRoot: runRoot, GraphDriverName: "vfs"})
	if err != nil {
		t.Fatal(err)
	}
	dref, err := is.Transport.ParseStoreReference(store, "localhost/leaky:latest")
	if err != nil {
		t.Fatal(err)
	}
	sref, err := alltransports.ParseImageName(src)
	if err != nil {
		t.Fatal(err)
	}
	copyRefs(t, sref, dref, nil)
	imgs, err := store.Images()
	if err != nil || len(imgs) != 1 {
		t.Fatalf("store holds %d images (%v)", len(imgs), err)
	}
	id := imgs[0].ID
	if _, err := store.Shutdown(true); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"leaky", "localhost/leaky:latest", "containers-storage:localhost/leaky", id[:12], "sha256:" + id} {
		t.Run(name, func(t *testing.T) {
			ir := audit1(t, Options{Images: []string{name}, Secrets: knownSecret(),
				StorageRoot: root, StorageRunRoot: runRoot, StorageDriver: "vfs"})
			checkLeaky(t, ir)
			if ir.Transport != "containers-storage" {
				t.Errorf("transport %q", ir.Transport)
			}
		})
	}
}

// A registry: docker-registry from Debian on 127.0.0.1, plain HTTP.
func TestAuditRegistry(t *testing.T) {
	bin := "/usr/bin/docker-registry"
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing (apt-get install docker-registry)", bin)
		}
		t.Skipf("%s is missing (apt-get install docker-registry)", bin)
	}
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cfg := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n", filepath.Join(dir, "data"), addr)), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	cmd := exec.Command(bin, "serve", cfg)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("registry did not start: %v\n%s", err, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	src := writeOCI(t, filepath.Join(dir, "oci"), "leaky", leakyImage(t))
	dst := "docker://" + addr + "/hush/leaky:1"
	if skopeo, err := exec.LookPath("skopeo"); err == nil {
		out, err := exec.Command(skopeo, "copy", "--quiet", "--dest-tls-verify=false", src, dst).CombinedOutput()
		if err != nil {
			t.Fatalf("skopeo copy: %v\n%s", err, out)
		}
	} else {
		convert(t, src, dst, &types.SystemContext{DockerInsecureSkipTLSVerify: types.OptionalBoolTrue})
	}
	ir := audit1(t, Options{Images: []string{dst}, Secrets: knownSecret(), InsecureSkipTLSVerify: true})
	checkLeaky(t, ir)
	// With TLS verification (the default) plain HTTP is refused: exit 2.
	rep, err := Audit(context.Background(), Options{Images: []string{dst}})
	var ie *ImageError
	if !errors.As(err, &ie) || ie.ExitCode() != 2 || rep.Images[0].Error == "" {
		t.Errorf("plain HTTP with TLS verification: err %v, want an ImageError", err)
	}
}

func TestAuditErrors(t *testing.T) {
	good := writeOCI(t, t.TempDir(), "clean", cleanImage(t))
	dir := t.TempDir()
	for _, name := range []string{"oci:" + filepath.Join(dir, "nope") + ":x", "docker-archive:" + filepath.Join(dir, "missing.tar"), "dir:" + dir} {
		rep, err := Audit(context.Background(), Options{Images: []string{good, name}, StorageRoot: filepath.Join(dir, "root"), StorageRunRoot: filepath.Join(dir, "run"), StorageDriver: "vfs"})
		var ie *ImageError
		if !errors.As(err, &ie) || ie.ExitCode() != 2 || ie.Image != name {
			t.Errorf("%s: err %v, want an ImageError naming it", name, err)
			continue
		}
		if rep == nil || rep.Images[0].Error != "" || rep.Images[1].Error == "" {
			t.Errorf("%s: report %+v, want the good image audited and the bad one's error", name, rep)
		}
	}
	// A corrupt layer: the image cannot be audited.
	bad := t.TempDir()
	writeOCI(t, bad, "x", testImage{layers: [][]tentry{{fileE("a", "b")}}})
	blobs, _ := filepath.Glob(filepath.Join(bad, "blobs", "sha256", "*"))
	for _, b := range blobs {
		if data, _ := os.ReadFile(b); len(data) > 2 && data[0] == 0x1f && data[1] == 0x8b {
			_ = os.WriteFile(b, data[:len(data)/2], 0o644)
		}
	}
	if _, err := Audit(context.Background(), Options{Images: []string{"oci:" + bad + ":x"}}); err == nil {
		t.Errorf("truncated layer: no error")
	}
	if _, err := Audit(context.Background(), Options{}); !errors.Is(err, ErrNoImages) {
		t.Errorf("no images: %v", err)
	}
}

// No output format, and no error, ever shows a value.
func TestNoValueInAnyOutput(t *testing.T) {
	img := leakyImage(t)
	// A file named after the canary, and a directory too.
	img.layers[2] = append(img.layers[2], dirE("var/"+canary), fileE("var/"+canary+"/x", "1"), fileE("tmp-"+canary, "1"))
	img.layers[2] = append([]tentry{dirE("var")}, img.layers[2]...)
	ref := writeOCI(t, t.TempDir(), "leaky", img)
	rep, err := Audit(context.Background(), Options{Images: []string{ref, "oci:/nonexistent/" + canary + ":x"}, Secrets: knownSecret()})
	if err == nil {
		t.Fatal("want an error for the missing image")
	}
	var key []byte
	for _, e := range img.layers[2] {
		if e.name == "root/.ssh/id_rsa" {
			key = e.body
		}
	}
	keyLine := strings.Split(string(key), "\n")[3]
	values := []string{canary, base64.StdEncoding.EncodeToString([]byte("ci:" + canary)), pipPassword, npmLookOnly, keyLine}
	outputs := map[string]string{"error": err.Error()}
	for _, f := range Formats {
		var b bytes.Buffer
		if err := Write(&b, rep, f, "test"); err != nil {
			t.Fatal(err)
		}
		outputs[f] = b.String()
	}
	for name, out := range outputs {
		for _, v := range values {
			if strings.Contains(out, v) {
				t.Errorf("%s output shows a value (%.6s...):\n%s", name, v, out)
			}
		}
	}
	// The names are still reported, redacted.
	if !strings.Contains(outputs["json"], `"/var/****"`) || !strings.Contains(outputs["json"], `/tmp-****`) {
		t.Errorf("file names holding the secret are not reported redacted:\n%s", outputs["json"])
	}
}

func TestWriteFormats(t *testing.T) {
	dir := t.TempDir()
	leaky := writeOCI(t, filepath.Join(dir, "l"), "leaky", leakyImage(t))
	clean := writeOCI(t, filepath.Join(dir, "c"), "clean", cleanImage(t))
	rep, err := Audit(context.Background(), Options{Images: []string{leaky, clean}, Secrets: knownSecret()})
	if err != nil {
		t.Fatal(err)
	}
	var tb bytes.Buffer
	if err := Write(&tb, rep, FormatTable, "test"); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(tb.String(), "\n")
	if !strings.HasPrefix(lines[0], "IMAGE") || !strings.Contains(lines[1], "yes (4)") || !strings.Contains(lines[2], "no") {
		t.Errorf("table matrix:\n%s", tb.String())
	}
	if f := strings.Fields(lines[1]); len(f) != 7 || f[1]+f[2] != "yes(4)" || f[3]+f[4] != "yes(4)" || f[5]+f[6] != "yes(4)" {
		t.Errorf("leaky row %q, want yes (4) in each column", lines[1])
	}
	if f := strings.Fields(lines[2]); len(f) != 4 || f[1] != "no" || f[2] != "no" || f[3] != "no" {
		t.Errorf("clean row %q, want no in each column", lines[2])
	}

	var jb bytes.Buffer
	if err := Write(&jb, rep, FormatJSON, "test"); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(jb.Bytes(), &back); err != nil || back.Findings() != rep.Findings() {
		t.Errorf("JSON round trip: %v, %d findings want %d", err, back.Findings(), rep.Findings())
	}

	var sb bytes.Buffer
	if err := Write(&sb, rep, FormatSARIF, "1.2.3"); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name, Version string
					Rules         []struct{ ID string }
				}
			}
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string
				Message   struct{ Text string }
				Locations []struct {
					PhysicalLocation *struct {
						ArtifactLocation struct {
							URI       string `json:"uri"`
							URIBaseID string `json:"uriBaseId"`
						} `json:"artifactLocation"`
					} `json:"physicalLocation"`
					LogicalLocations []struct {
						FullyQualifiedName string `json:"fullyQualifiedName"`
					} `json:"logicalLocations"`
				}
			}
		}
	}
	if err := json.Unmarshal(sb.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Name != "hush" || log.Runs[0].Tool.Driver.Version != "1.2.3" {
		t.Fatalf("SARIF header: %+v", log)
	}
	run := log.Runs[0]
	if len(run.Results) != rep.Findings() {
		t.Errorf("%d SARIF results, want %d", len(run.Results), rep.Findings())
	}
	uris := map[string]bool{}
	for _, r := range run.Results {
		if r.RuleIndex >= len(run.Tool.Driver.Rules) || run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result rule %q index %d does not match the rules", r.RuleID, r.RuleIndex)
		}
		if r.Level != "error" || r.Message.Text == "" || len(r.Locations) != 1 || len(r.Locations[0].LogicalLocations) == 0 {
			t.Errorf("result %+v incomplete", r)
		}
		if pl := r.Locations[0].PhysicalLocation; pl != nil {
			uris[pl.ArtifactLocation.URI] = true
			if pl.ArtifactLocation.URIBaseID != "IMAGEROOT" || strings.HasPrefix(pl.ArtifactLocation.URI, "/") {
				t.Errorf("artifactLocation %+v", pl.ArtifactLocation)
			}
		}
	}
	for _, u := range []string{"root/secret.txt", "srv/deps.tar.gz%21pkg/.npmrc", "root/.ssh/id_rsa"} {
		if !uris[u] && !uris[strings.ReplaceAll(u, "%21", "!")] {
			t.Errorf("no SARIF result at %s (have %v)", u, uris)
		}
	}
}

// TestSeedsMatrix rebuilds seed 000's five images (a pip.conf with a
// password in its index URL: COPY; COPY then RUN rm; COPY then RUN pip
// install && rm; ARG SECRET; BuildKit's secret mount) and checks audit's
// matrix against the seed's, with the value known and with heuristics only.
func TestSeedsMatrix(t *testing.T) {
	const pipConf = "[global]\nindex-url = https://hugo.prudente:My$3cr3tP4$$@private.pip/playlist\ntimeout=60\nextra-index-url = https://pypi.python.org/simple\n"
	base := []tentry{dirE("etc"), fileE("etc/os-release", "ID=debian\n"), dirE("usr"), dirE("usr/bin"), fileE("usr/bin/python3", "\x7fELF\x02")}
	pip := []tentry{dirE("root"), dirE("root/.pip"), fileE("root/.pip/pip.conf", pipConf)}
	installed := []tentry{dirE("usr/lib"), fileE("usr/lib/playlist.py", "print('playlist')\n")}
	rm := []tentry{dirE("root/.pip"), fileE("root/.pip/.wh.pip.conf", "")}
	h := func(s ...string) []v1.History {
		var out []v1.History
		for _, c := range s {
			out = append(out, v1.History{CreatedBy: c, EmptyLayer: strings.HasPrefix(c, "ARG ") || strings.HasPrefix(c, "CMD ")})
		}
		return out
	}
	images := []struct {
		name string
		img  testImage
		row  string
	}{
		{"secret:v1", testImage{layers: [][]tentry{base, pip, installed},
			history: h("ADD rootfs.tar /", "CMD [\"python3\"]", "COPY pip.conf /root/.pip/pip.conf # buildkit", "RUN /bin/sh -c pip install playlist # buildkit")}, "yes no no"},
		{"secret:v2", testImage{layers: [][]tentry{base, pip, installed, rm},
			history: h("ADD rootfs.tar /", "COPY pip.conf /root/.pip/pip.conf # buildkit", "RUN /bin/sh -c pip install playlist # buildkit", "RUN /bin/sh -c rm /root/.pip/pip.conf # buildkit")}, "no yes no"},
		{"secret:v3", testImage{layers: [][]tentry{base, pip, append(append([]tentry{}, installed...), rm...)},
			history: h("ADD rootfs.tar /", "COPY pip.conf /root/.pip/pip.conf # buildkit", "RUN /bin/sh -c pip install playlist && rm /root/.pip/pip.conf # buildkit")}, "no yes no"},
		{"secret:v4", testImage{layers: [][]tentry{base, {fileE("generate.sh", "#!/bin/sh\nSECRET=$1\n")}, installed},
			history: h("ADD rootfs.tar /", "ARG SECRET", "COPY generate.sh /generate.sh # buildkit", "RUN |1 SECRET=My$3cr3tP4$$ /bin/sh -c /generate.sh ${SECRET} && pip install playlist && rm /root/.pip/pip.conf # buildkit")}, "no no yes"},
		{"secret:v5", testImage{layers: [][]tentry{base, installed},
			history: h("ADD rootfs.tar /", "RUN /bin/sh -c pip install playlist # buildkit")}, "no no no"},
	}
	dir := t.TempDir()
	var refs []string
	for i, im := range images {
		refs = append(refs, writeOCI(t, filepath.Join(dir, fmt.Sprint(i)), "v", im.img))
	}
	for _, mode := range []string{"known value", "heuristics only"} {
		t.Run(mode, func(t *testing.T) {
			o := Options{Images: refs}
			if mode == "known value" {
				o.Secrets = []secrets.Secret{secrets.New("pip.conf", []byte(pipConf))}
			}
			rep, err := Audit(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := WriteTable(&b, rep); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(b.String(), "\n")
			for i, im := range images {
				// "yes (N)" -> "yes": N differs between the modes.
				var cols []string
				for _, f := range strings.Fields(lines[i+1])[1:] {
					if !strings.HasPrefix(f, "(") {
						cols = append(cols, f)
					}
				}
				if got := strings.Join(cols, " "); got != im.row {
					t.Errorf("%s (%s): row %q, want %q\n%s", im.name, refs[i], got, im.row, b.String())
				}
			}
			if strings.Contains(b.String(), "My$3cr3tP4$$") {
				t.Errorf("the password is in the report:\n%s", b.String())
			}
		})
	}
}
