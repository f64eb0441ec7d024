package verify

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// writeLayout writes, by hand, an OCI layout tagged latest: an index of an
// image (one layer) and its attestation manifest with a guard statement;
// tamper may change the statement's predicate before it is written.
func writeLayout(t *testing.T, tamper func(p map[string]any)) string {
	t.Helper()
	dir := t.TempDir()
	put := func(v any) imgspecv1.Descriptor {
		b, ok := v.([]byte)
		if !ok {
			var err error
			if b, err = json.Marshal(v); err != nil {
				t.Fatal(err)
			}
		}
		d := digest.FromBytes(b)
		p := filepath.Join(dir, "blobs", "sha256", d.Encoded())
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return imgspecv1.Descriptor{Digest: d, Size: int64(len(b))}
	}
	layer := put(make([]byte, 1024)) // an empty tar: two zero blocks
	layer.MediaType = imgspecv1.MediaTypeImageLayer
	cfg := put(imgspecv1.Image{Platform: imgspecv1.Platform{OS: "linux", Architecture: "amd64"},
		RootFS: imgspecv1.RootFS{Type: "layers", DiffIDs: []digest.Digest{layer.Digest}}})
	cfg.MediaType = imgspecv1.MediaTypeImageConfig
	img := put(imgspecv1.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: imgspecv1.MediaTypeImageManifest, Config: cfg, Layers: []imgspecv1.Descriptor{layer}})
	img.MediaType, img.Platform = imgspecv1.MediaTypeImageManifest, &imgspecv1.Platform{OS: "linux", Architecture: "amd64"}
	pred := map[string]any{"verdict": "pass", "secrets": []string{"s"},
		"config": map[string]string{"status": "scanned", "verdict": "clean"},
		"layers": []map[string]string{{"diffID": layer.Digest.String(), "status": "scanned", "verdict": "clean"}}}
	if tamper != nil {
		tamper(pred)
	}
	st := put(map[string]any{"_type": "https://in-toto.io/Statement/v0.1", "predicateType": predicateGuard,
		"subject": []map[string]any{{"name": "_", "digest": map[string]string{"sha256": img.Digest.Encoded()}}}, "predicate": pred})
	st.MediaType, st.Annotations = mediaTypeInToto, map[string]string{annotationPredicateType: predicateGuard}
	acfg := put([]byte(`{"architecture":"unknown","os":"unknown","rootfs":{"type":"layers","diff_ids":[]}}`))
	acfg.MediaType = imgspecv1.MediaTypeImageConfig
	att := put(imgspecv1.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: imgspecv1.MediaTypeImageManifest, Config: acfg, Layers: []imgspecv1.Descriptor{st}})
	att.MediaType, att.Platform = imgspecv1.MediaTypeImageManifest, &imgspecv1.Platform{OS: "unknown", Architecture: "unknown"}
	att.Annotations = map[string]string{annotationRefType: refTypeAttestation, annotationRefDigest: img.Digest.String()}
	idx := put(imgspecv1.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: imgspecv1.MediaTypeImageIndex, Manifests: []imgspecv1.Descriptor{img, att}})
	idx.MediaType, idx.Annotations = imgspecv1.MediaTypeImageIndex, map[string]string{imgspecv1.AnnotationRefName: "latest"}
	top, _ := json.Marshal(imgspecv1.Index{Versioned: specs.Versioned{SchemaVersion: 2}, Manifests: []imgspecv1.Descriptor{idx}})
	if err := os.WriteFile(filepath.Join(dir, "index.json"), top, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestVerifyLayout(t *testing.T) {
	rep, err := Verify(context.Background(), Options{Image: "oci:" + writeLayout(t, nil) + ":latest"})
	if err != nil || !rep.OK() || rep.Images[0].Scanned != 1 || rep.Images[0].Platform != "linux/amd64" {
		t.Fatalf("clean layout: %+v %v", rep, err)
	}
	rep, err = Verify(context.Background(), Options{Image: "oci:" + writeLayout(t, func(p map[string]any) {
		p["layers"] = []map[string]string{{"diffID": digest.FromString("x").String(), "status": "scanned", "verdict": "clean"}}
	}) + ":latest"})
	if err != nil || rep.OK() {
		t.Fatalf("a statement about another layer: %+v %v", rep, err)
	}
	if _, err := Verify(context.Background(), Options{Image: "oci:" + t.TempDir() + "/none:latest"}); err == nil {
		t.Errorf("a missing layout: no error")
	}
}

func TestHandler(t *testing.T) {
	srv := httptest.NewServer(Handler(nil, time.Minute))
	defer srv.Close()
	ask := func(image string) (int, Answer) {
		resp, err := http.Get(srv.URL + "/verify?image=" + url.QueryEscape(image))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var a Answer
		if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, a
	}
	if code, a := ask("oci:" + writeLayout(t, nil) + ":latest"); code != 200 || !a.Verified {
		t.Errorf("clean: %d %+v", code, a)
	}
	if code, a := ask("oci:" + writeLayout(t, func(p map[string]any) { p["verdict"] = "refused" }) + ":latest"); code != 200 || a.Verified {
		t.Errorf("failed: %d %+v", code, a)
	}
	if code, a := ask("oci:" + t.TempDir() + "/none:latest"); code != 503 || a.Error == "" {
		t.Errorf("cannot check: %d %+v", code, a)
	}
	if code, _ := ask(""); code != 400 {
		t.Errorf("no image: %d", code)
	}
}
