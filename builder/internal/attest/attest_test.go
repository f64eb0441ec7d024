package attest

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

const testDockerfile = `FROM busybox AS build
RUN --mount=type=secret,id=npm,env=NPM_TOKEN npm ci
RUN --mount=type=secret,id=pip pip install x
FROM scratch
COPY --from=build /app /app
RUN true
`

func testRequest(mode string) Request {
	return Request{
		Provenance: mode, Version: "v9", Invocation: "n1",
		Dockerfile: "Dockerfile", DockerfileContent: []byte(testDockerfile),
		Platform:  "linux/amd64",
		BuildArgs: map[string]string{"NPM_TOKEN": "tok-value-123456", "VERSION": "7"},
		Secrets:   []SecretSpec{{ID: "npm"}, {ID: "pip"}, {ID: "cfg", EveryFile: "/etc/cfg"}},
		SSH:       []string{"default"},
		Bases:     []Base{{Name: "docker.io/library/busybox:latest", Digest: "sha256:" + strings.Repeat("ab", 32)}},
		Guard: &Guard{Forms: []Form{{Writer: "base64", Wrapper: "none", Kinds: []string{"token"}}}, Layers: []GuardLayer{
			{DiffID: "sha256:" + strings.Repeat("01", 32), Scanned: false},
			{DiffID: "sha256:" + strings.Repeat("02", 32), Scanned: true},
		}},
	}
}

var subject = imgspecv1.Descriptor{MediaType: imgspecv1.MediaTypeImageManifest, Digest: digest.FromString("image"), Size: 5}

func TestMake(t *testing.T) {
	preds, err := Predicates(testRequest(ProvenanceMax))
	if err != nil {
		t.Fatal(err)
	}
	var checked []string
	a, err := Make(subject, "", preds, func(name string, b []byte) error { checked = append(checked, name); return nil })
	if err != nil {
		t.Fatal(err)
	}
	d := a.Descriptor
	if d.Platform.OS != "unknown" || d.Platform.Architecture != "unknown" ||
		d.Annotations[AnnotationReferenceType] != ReferenceTypeAttestation || d.Annotations[AnnotationReferenceDigest] != subject.Digest.String() {
		t.Errorf("descriptor %+v: want unknown/unknown and the reference annotations", d)
	}
	if digest.FromBytes(a.Manifest) != d.Digest {
		t.Errorf("descriptor digest does not match the manifest")
	}
	var m imgspecv1.Manifest
	if err := json.Unmarshal(a.Manifest, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Layers) != 2 || m.Layers[0].Annotations[AnnotationPredicateType] != PredicateSLSA1 || m.Layers[1].Annotations[AnnotationPredicateType] != PredicateGuard {
		t.Fatalf("layers %+v: want provenance then guard", m.Layers)
	}
	for _, l := range append(m.Layers, m.Config) {
		if b, ok := a.Blobs[l.Digest]; !ok || digest.FromBytes(b) != l.Digest {
			t.Errorf("blob %s missing or wrong", l.Digest)
		}
	}
	var st Statement
	if err := json.Unmarshal(a.Blobs[m.Layers[1].Digest], &st); err != nil {
		t.Fatal(err)
	}
	if st.Type != StatementType || st.Subject[0].Name != "_" || st.Subject[0].Digest["sha256"] != subject.Digest.Encoded() {
		t.Errorf("statement %+v: want the subject's digest", st)
	}
	if len(checked) != 3 {
		t.Errorf("check saw %v, want both statements and the manifest", checked)
	}
	stop := errors.New("refused")
	if _, err := Make(subject, "", preds, func(string, []byte) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("a refused blob: err %v", err)
	}
}

func TestProvenanceModes(t *testing.T) {
	for _, mode := range []string{ProvenanceMin, ProvenanceMax} {
		b, err := json.Marshal(provenance(testRequest(mode)))
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if strings.Contains(s, "NPM_TOKEN") || strings.Contains(s, "tok-value-123456") {
			t.Errorf("%s: the credential-named build arg is in the provenance", mode)
		}
		for _, want := range []string{`"build-arg:VERSION":"7"`, BuildType, BuilderID, `"pkg:docker/docker.io/library/busybox@latest?platform=linux%2Famd64"`} {
			if !strings.Contains(s, want) {
				t.Errorf("%s: no %s in %s", mode, want, s)
			}
		}
		hasIDs := strings.Contains(s, `"secrets":[{"id":"npm"},{"id":"pip"},{"id":"cfg"}]`) && strings.Contains(s, `"ssh":[{"id":"default"}]`)
		if hasIDs != (mode == ProvenanceMax) {
			t.Errorf("%s: secret and ssh ids present = %v", mode, hasIDs)
		}
	}
	if _, err := Predicates(Request{Provenance: "all"}); err == nil {
		t.Errorf("mode all accepted")
	}
}

func TestGuardPredicate(t *testing.T) {
	g, err := guardPredicate(testRequest(ProvenanceOff))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(g)
	s := string(b)
	for _, want := range []string{
		`"verdict":"pass"`, `"secrets":["npm","pip","cfg"]`,
		`{"index":0,"name":"build","from":"busybox","secrets":[{"id":"npm","delivery":"run-mount-env","target":"NPM_TOKEN"},{"id":"cfg","delivery":"every-run-file","target":"/etc/cfg"},{"id":"pip","delivery":"run-mount-file","target":"/run/secrets/pip"}]}`,
		`{"index":1,"from":"scratch","secrets":[{"id":"cfg","delivery":"every-run-file","target":"/etc/cfg"}]}`,
		`"layers":[{"diffID":"sha256:0101`, `"status":"base-skipped","verdict":"not-read"}`, `"status":"scanned","verdict":"clean"}]`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("guard predicate lacks %s:\n%s", want, s)
		}
	}
	if len(g.Engine.Forms) == 0 {
		t.Errorf("no claimed forms")
	}
}
