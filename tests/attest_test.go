package tests

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The attestations hush attaches, read back with independent readers
// (skopeo, the registry's HTTP API, the OCI layout's files), validated
// against the in-toto, SLSA and guard schemas (testdata/schemas), free of
// the canary, and checked by hush verify, which must fail a tampered image.

// attestDockerfile mounts the secret in its one stage; the comment
// carries {NOTE} so a test can put the canary in the Dockerfile alone.
const attestDockerfile = "# {NOTE}\nFROM localhost/busybox\n" + printSum + "\nRUN echo attested > /marker\n"

type attDesc struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Platform    *struct {
		OS           string `json:"os"`
		Architecture string `json:"architecture"`
	} `json:"platform,omitempty"`
}

type attDoc struct {
	SchemaVersion int               `json:"schemaVersion"`
	MediaType     string            `json:"mediaType"`
	Manifests     []attDesc         `json:"manifests,omitempty"`
	Config        *attDesc          `json:"config,omitempty"`
	Layers        []attDesc         `json:"layers,omitempty"`
	Annotations   map[string]string `json:"annotations,omitempty"`
}

func TestAttestPush(t *testing.T) {
	c := newCanary(t)
	npm := "npmcanary-" + randHex(t, 12) // a credential-named build arg's value: guarded too
	c.also("npm", npm)
	addr := startRegistry(t)
	repo := "hush/attest-" + randHex(t, 4)
	tag := addr + "/" + repo + ":1"
	buildIn(t, c, contextBuild{
		dockerfile: strings.Replace(attestDockerfile, "{NOTE}", "clean", 1),
		tag:        tag,
		// NPM_TOKEN is credential-named and undeclared: provenance must
		// leave it out; VERSION must be in it.
		flags: []string{"-t", tag + "-also", "--push", "--tls-verify=false", "--provenance=mode=max",
			"--build-arg", "NPM_TOKEN=" + npm, "--build-arg", "VERSION=7",
			"--secret", "id=s,src=" + secretFile(t, "token", c.value)},
	})
	raw, err := skopeo(t, false, "inspect", "--tls-verify=false", "--raw", "docker://"+tag)
	if err != nil {
		t.Fatalf("the registry does not have %s: %v", tag, err)
	}
	if also, err := skopeo(t, false, "inspect", "--tls-verify=false", "--raw", "docker://"+tag+"-also"); err != nil || also != raw {
		t.Errorf("the second tag does not name the same index (%v)", err)
	}
	idx := parseDoc(t, "index", []byte(raw))
	img, att := splitIndex(t, idx)
	blobs := map[string][]byte{"index": []byte(raw)}
	get := func(kind, digest string) []byte {
		b := registryGet(t, addr, repo, kind, digest)
		blobs[kind+" "+digest] = b
		return b
	}
	am := parseDoc(t, "attestation manifest", get("manifests", att.Digest))
	get("blobs", am.Config.Digest)
	preds := map[string]map[string]any{}
	for _, l := range am.Layers {
		if l.MediaType != "application/vnd.in-toto+json" {
			t.Errorf("attestation layer %s: media type %q", l.Digest, l.MediaType)
		}
		st := get("blobs", l.Digest)
		validate(t, "intoto-statement.json", st)
		var s struct {
			Type          string `json:"_type"`
			PredicateType string `json:"predicateType"`
			Subject       []struct {
				Digest map[string]string `json:"digest"`
			} `json:"subject"`
			Predicate map[string]any `json:"predicate"`
		}
		if err := json.Unmarshal(st, &s); err != nil {
			t.Fatal(err)
		}
		if l.Annotations["in-toto.io/predicate-type"] != s.PredicateType {
			t.Errorf("layer annotation %q, statement predicateType %q", l.Annotations["in-toto.io/predicate-type"], s.PredicateType)
		}
		if len(s.Subject) != 1 || "sha256:"+s.Subject[0].Digest["sha256"] != img.Digest {
			t.Errorf("%s: subject %v, want the image manifest %s", s.PredicateType, s.Subject, img.Digest)
		}
		pb, _ := json.Marshal(s.Predicate)
		switch s.PredicateType {
		case "https://slsa.dev/provenance/v1":
			validate(t, "slsa-provenance-v1.json", pb)
		case "https://hush.build/guard/v1":
			validate(t, "hush-guard-v1.json", pb)
		}
		preds[s.PredicateType] = s.Predicate
	}
	prov, guard := preds["https://slsa.dev/provenance/v1"], preds["https://hush.build/guard/v1"]
	if prov == nil || guard == nil {
		t.Fatalf("attestation manifest has %v, want provenance and the guard's", keys(preds))
	}
	pj, _ := json.Marshal(prov)
	for _, want := range []string{`"build-arg:VERSION":"7"`, `"id":"s"`, `pkg:docker/localhost/busybox@latest`} {
		if !strings.Contains(string(pj), want) {
			t.Errorf("provenance lacks %s: %s", want, pj)
		}
	}
	if strings.Contains(string(pj), "NPM_TOKEN") {
		t.Errorf("provenance names the credential-named build arg NPM_TOKEN")
	}
	gj, _ := json.Marshal(guard)
	for _, want := range []string{`"secrets":["s"]`, `"delivery":"run-mount-file"`, `"status":"scanned","verdict":"clean"`, `"status":"base-skipped"`} {
		if !strings.Contains(string(gj), want) {
			t.Errorf("guard attestation lacks %s", want)
		}
	}
	for name, b := range blobs {
		if form := c.find(b); form != "" {
			t.Errorf("%s holds the secret (%s)", name, form)
		}
	}

	r := runHush(t, c, call{args: []string{"verify", "--tls-verify=false", tag}})
	if r.code != 0 || !strings.Contains(r.stdout, "ok linux/") {
		t.Errorf("hush verify %s: exit %d, want 0\n%s%s", tag, r.code, r.stdout, r.stderr)
	}
	// The attestation removed: the image alone under another tag.
	bare := addr + "/" + repo + ":bare"
	if _, err := skopeo(t, false, "copy", "-q", "--src-tls-verify=false", "--dest-tls-verify=false",
		"docker://"+addr+"/"+repo+"@"+img.Digest, "docker://"+bare); err != nil {
		t.Fatal(err)
	}
	r = runHush(t, c, call{args: []string{"verify", "--tls-verify=false", bare}})
	if r.code != 1 || !strings.Contains(r.stdout, "FAIL") {
		t.Errorf("hush verify of the image without its attestation: exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runHush(t, c, call{args: []string{"verify", "--tls-verify=false", addr + "/" + repo + ":missing"}})
	if r.code != 2 {
		t.Errorf("hush verify of a missing image: exit %d, want 2 (cannot check)\n%s", r.code, r.stderr)
	}

	// The default on a push, as docker's: provenance mode=min (no
	// secret ids, no Dockerfile) and the guard's attestation.
	def := addr + "/" + repo + ":default"
	buildIn(t, c, contextBuild{
		dockerfile: strings.Replace(attestDockerfile, "{NOTE}", "clean", 1),
		tag:        def,
		flags:      []string{"--push", "--tls-verify=false", "--secret", "id=s,src=" + secretFile(t, "token", c.value)},
	})
	raw, err = skopeo(t, false, "inspect", "--tls-verify=false", "--raw", "docker://"+def)
	if err != nil {
		t.Fatal(err)
	}
	_, att = splitIndex(t, parseDoc(t, "index", []byte(raw)))
	am = parseDoc(t, "attestation manifest", registryGet(t, addr, repo, "manifests", att.Digest))
	for _, l := range am.Layers {
		st := registryGet(t, addr, repo, "blobs", l.Digest)
		if l.Annotations["in-toto.io/predicate-type"] == "https://slsa.dev/provenance/v1" && (bytes.Contains(st, []byte(`"secrets"`)) || bytes.Contains(st, []byte(`"byproducts"`))) {
			t.Errorf("mode=min provenance names secrets or carries the Dockerfile: %s", st)
		}
	}
	if len(am.Layers) != 2 {
		t.Errorf("default push: %d attestations, want provenance and the guard's", len(am.Layers))
	}
	if r := runHush(t, c, call{args: []string{"verify", "--tls-verify=false", def}}); r.code != 0 {
		t.Errorf("hush verify %s: exit %d\n%s", def, r.code, r.stdout)
	}
}

// TestAttestVerifyTampered writes the image and its attestations to an OCI
// layout (--provenance asked for explicitly: a local output has none by
// default), verifies it, then tampers with it as an attacker without
// hush's build could: the attestation removed, a layer swapped (with the
// index's reference annotation moved to the new manifest).
func TestAttestVerifyTampered(t *testing.T) {
	c := newCanary(t)
	dest := filepath.Join(tempDir(t), "layout")
	buildIn(t, c, contextBuild{
		dockerfile: strings.Replace(attestDockerfile, "{NOTE}", "clean", 1),
		flags:      []string{"-o", "type=oci,dest=" + dest, "--provenance=true", "--secret", "id=s,src=" + secretFile(t, "token", c.value)},
	})
	ref := "oci:" + dest + ":latest"
	verifyExit := func(what string, want int) {
		t.Helper()
		r := runHush(t, c, call{args: []string{"verify", ref}})
		if r.code != want {
			t.Errorf("%s: hush verify exit %d, want %d\n%s%s", what, r.code, want, r.stdout, r.stderr)
		}
	}
	verifyExit("as built", 0)

	top := readLayoutIndex(t, dest)
	orig, _ := json.Marshal(top)
	idx := parseDoc(t, "index", readBlob(t, dest, top.Manifests[0].Digest))
	img, att := splitIndex(t, idx)

	pointTo := func(d attDoc) {
		b, _ := json.Marshal(d)
		digest := writeLayoutBlob(t, dest, b)
		top.Manifests[0].Digest, top.Manifests[0].Size = digest, int64(len(b))
		writeLayoutIndexFile(t, dest, top)
	}
	restore := func() {
		if err := json.Unmarshal(orig, &top); err != nil {
			t.Fatal(err)
		}
		writeLayoutIndexFile(t, dest, top)
	}

	noAtt := idx
	noAtt.Manifests = []attDesc{img}
	pointTo(noAtt)
	verifyExit("attestation removed", 1)
	restore()

	// A layer swapped: the last layer replaced by another tar, the
	// config's diff id and the manifest updated, the index pointing the
	// attestation at the new manifest.
	m := parseDoc(t, "image manifest", readBlob(t, dest, img.Digest))
	var cfg map[string]any
	if err := json.Unmarshal(readBlob(t, dest, m.Config.Digest), &cfg); err != nil {
		t.Fatal(err)
	}
	layer := tarBytes(t, map[string]string{"marker": "tampered\n"})
	ld := writeLayoutBlob(t, dest, layer)
	last := len(m.Layers) - 1
	m.Layers[last] = attDesc{MediaType: "application/vnd.oci.image.layer.v1.tar", Digest: ld, Size: int64(len(layer))}
	ids := cfg["rootfs"].(map[string]any)["diff_ids"].([]any)
	ids[last] = ld
	cb, _ := json.Marshal(cfg)
	m.Config.Digest, m.Config.Size = writeLayoutBlob(t, dest, cb), int64(len(cb))
	mb, _ := json.Marshal(m)
	swapped := img
	swapped.Digest, swapped.Size = writeLayoutBlob(t, dest, mb), int64(len(mb))
	att.Annotations = map[string]string{"vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": swapped.Digest}
	tampered := idx
	tampered.Manifests = []attDesc{swapped, att}
	pointTo(tampered)
	verifyExit("layer swapped", 1)
	restore()
	verifyExit("restored", 0)
}

// TestAttestRefused: a Dockerfile comment holding the secret's value is
// not in the image, but mode=max provenance carries the Dockerfile: the
// attestation's own guard refuses it, and nothing is pushed.
func TestAttestRefused(t *testing.T) {
	c := newCanary(t)
	addr := startRegistry(t)
	tag := addr + "/hush/attest-refused:1"
	ctx := tempDir(t)
	writeFiles(t, ctx, map[string]string{"Dockerfile": strings.Replace(attestDockerfile, "{NOTE}", "token "+c.value, 1)})
	r := runHush(t, c, call{args: build("--no-cache", "-t", tag, "--push", "--tls-verify=false", "--provenance=mode=max",
		"--secret", "id=s,src="+secretFile(t, "token", c.value), ctx)})
	if r.code != 3 || !strings.Contains(r.stderr, "attestation") {
		t.Errorf("exit %d, want 3 naming the attestation\n%s", r.code, c.mask(r.stderr))
	}
	if _, err := skopeo(t, false, "inspect", "--tls-verify=false", "--raw", "docker://"+tag); err == nil {
		t.Errorf("%s was pushed", tag)
	}
}

func parseDoc(t *testing.T, what string, b []byte) attDoc {
	t.Helper()
	var d attDoc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v\n%s", what, err, b)
	}
	return d
}

// splitIndex checks the index is [image, attestation manifest] as
// BuildKit lays it out, and returns both.
func splitIndex(t *testing.T, idx attDoc) (attDesc, attDesc) {
	t.Helper()
	if idx.MediaType != "application/vnd.oci.image.index.v1+json" || len(idx.Manifests) != 2 {
		t.Fatalf("want an OCI index of two manifests, got %s with %d", idx.MediaType, len(idx.Manifests))
	}
	img, att := idx.Manifests[0], idx.Manifests[1]
	if img.Platform == nil || img.Platform.OS != "linux" {
		t.Errorf("image descriptor platform %+v, want linux/...", img.Platform)
	}
	if att.Platform == nil || att.Platform.OS != "unknown" || att.Platform.Architecture != "unknown" {
		t.Errorf("attestation descriptor platform %+v, want unknown/unknown", att.Platform)
	}
	if att.Annotations["vnd.docker.reference.type"] != "attestation-manifest" || att.Annotations["vnd.docker.reference.digest"] != img.Digest {
		t.Errorf("attestation descriptor annotations %v, want attestation-manifest of %s", att.Annotations, img.Digest)
	}
	return img, att
}

// registryGet reads a manifest or blob over the registry's HTTP API and
// checks it against its digest.
func registryGet(t *testing.T, addr, repo, kind, digest string) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", fmt.Sprintf("http://%s/v2/%s/%s/%s", addr, repo, kind, digest), nil)
	req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s %s: %d %v", kind, digest, resp.StatusCode, err)
	}
	if got := sha256.Sum256(b); "sha256:"+hex.EncodeToString(got[:]) != digest {
		t.Fatalf("%s %s: content does not match its digest", kind, digest)
	}
	return b
}

var schemaCompiler = func() func(string) (*jsonschema.Schema, error) {
	compiled := map[string]*jsonschema.Schema{}
	return func(name string) (*jsonschema.Schema, error) {
		if s, ok := compiled[name]; ok {
			return s, nil
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		p, err := filepath.Abs(filepath.Join(suite.repo, "tests", "testdata", "schemas", name))
		if err != nil {
			return nil, err
		}
		s, err := c.Compile(p)
		if err == nil {
			compiled[name] = s
		}
		return s, err
	}
}()

// validate checks doc against a schema of testdata/schemas.
func validate(t *testing.T, schema string, doc []byte) {
	t.Helper()
	s, err := schemaCompiler(schema)
	if err != nil {
		t.Fatalf("schema %s: %v", schema, err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("%s: %v", schema, err)
	}
	if err := s.Validate(v); err != nil {
		t.Errorf("not valid against %s: %v", schema, err)
	}
}

func keys(m map[string]map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func readLayoutIndex(t *testing.T, dir string) attDoc {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	d := parseDoc(t, "index.json", b)
	if len(d.Manifests) != 1 || d.Manifests[0].MediaType != "application/vnd.oci.image.index.v1+json" {
		t.Fatalf("index.json: want one entry, an image index: %s", b)
	}
	return d
}

func writeLayoutIndexFile(t *testing.T, dir string, d attDoc) {
	t.Helper()
	b, _ := json.Marshal(d)
	if err := os.WriteFile(filepath.Join(dir, "index.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeLayoutBlob(t *testing.T, dir string, b []byte) string {
	t.Helper()
	sum := sha256.Sum256(b)
	h := hex.EncodeToString(sum[:])
	if err := os.WriteFile(filepath.Join(dir, "blobs", "sha256", h), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return "sha256:" + h
}

// TestAttestNoSecrets: a build without secrets gives the guard nothing to
// look for; its attestation says so (no-secrets) and verify accepts it,
// but only because the statement lists no secret.
func TestAttestNoSecrets(t *testing.T) {
	dest := filepath.Join(tempDir(t), "layout")
	buildIn(t, nil, contextBuild{
		dockerfile: "FROM localhost/busybox\nRUN echo plain > /marker\n",
		flags:      []string{"-o", "type=oci,dest=" + dest, "--provenance=mode=min"},
	})
	r := runHush(t, nil, call{args: []string{"verify", "oci:" + dest + ":latest"}})
	if r.code != 0 {
		t.Errorf("hush verify: exit %d, want 0\n%s%s", r.code, r.stdout, r.stderr)
	}
	top := readLayoutIndex(t, dest)
	_, att := splitIndex(t, parseDoc(t, "index", readBlob(t, dest, top.Manifests[0].Digest)))
	for _, l := range parseDoc(t, "attestation manifest", readBlob(t, dest, att.Digest)).Layers {
		st := readBlob(t, dest, l.Digest)
		if l.Annotations["in-toto.io/predicate-type"] == "https://hush.build/guard/v1" && !bytes.Contains(st, []byte(`"status":"no-secrets"`)) {
			t.Errorf("guard statement of a build without secrets: %s", st)
		}
	}
}
