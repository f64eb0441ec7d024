package verify

import (
	"encoding/json"
	"fmt"

	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/manifest"
)

// statement is the part of an in-toto statement verify reads.
type statement struct {
	Type    string `json:"_type"`
	Subject []struct {
		Digest map[string]string `json:"digest"`
	} `json:"subject"`
	PredicateType string         `json:"predicateType"`
	Predicate     guardPredicate `json:"predicate"`
}

type guardPredicate struct {
	Verdict string      `json:"verdict"`
	Secrets []string    `json:"secrets"`
	Config  guardItem   `json:"config"`
	Layers  []guardItem `json:"layers"`
}

type guardItem struct {
	DiffID  string `json:"diffID"`
	Status  string `json:"status"`
	Verdict string `json:"verdict"`
}

// checkImage fills im.Problems; an error is an image it could not read.
func (r *reader) checkImage(im *Image, d imgspecv1.Descriptor, all []imgspecv1.Descriptor) error {
	st, problem, err := r.guardStatement(d.Digest, all)
	if err != nil {
		return err
	}
	if problem != "" {
		im.Problems = append(im.Problems, problem)
		return nil
	}
	mb, err := r.manifestOf(d.Digest)
	if err != nil {
		return err
	}
	m, err := manifest.FromBlob(mb, manifest.GuessMIMEType(mb))
	if err != nil {
		return fmt.Errorf("image %s: %w", d.Digest, err)
	}
	cb, err := r.blob(m.ConfigInfo().Digest)
	if err != nil {
		return err
	}
	var cfg imgspecv1.Image
	if err := json.Unmarshal(cb, &cfg); err != nil {
		return fmt.Errorf("image %s: config: %w", d.Digest, err)
	}
	im.Problems = append(im.Problems, judge(im, st, cfg.RootFS.DiffIDs, len(m.LayerInfos()))...)
	return nil
}

// guardStatement finds the guard statement about the image manifest
// subject; problem says why there is none.
func (r *reader) guardStatement(subject digest.Digest, all []imgspecv1.Descriptor) (*statement, string, error) {
	var att []imgspecv1.Descriptor
	for _, d := range all {
		if d.Annotations[annotationRefType] == refTypeAttestation && d.Annotations[annotationRefDigest] == subject.String() {
			att = append(att, d)
		}
	}
	if len(att) == 0 {
		return nil, "no attestation manifest refers to it", nil
	}
	for _, a := range att {
		mb, err := r.manifestOf(a.Digest)
		if err != nil {
			return nil, "", err
		}
		var m imgspecv1.Manifest
		if err := json.Unmarshal(mb, &m); err != nil {
			return nil, "", fmt.Errorf("attestation manifest %s: %w", a.Digest, err)
		}
		for _, l := range m.Layers {
			if l.MediaType != mediaTypeInToto || l.Annotations[annotationPredicateType] != predicateGuard {
				continue
			}
			b, err := r.blob(l.Digest)
			if err != nil {
				return nil, "", err
			}
			var st statement
			if err := json.Unmarshal(b, &st); err != nil {
				return nil, fmt.Sprintf("guard statement %s: %v", l.Digest, err), nil
			}
			if st.PredicateType != predicateGuard {
				return nil, fmt.Sprintf("guard statement %s: predicateType %q", l.Digest, st.PredicateType), nil
			}
			for _, s := range st.Subject {
				if s.Digest[subject.Algorithm().String()] == subject.Encoded() {
					return &st, "", nil
				}
			}
			return nil, fmt.Sprintf("guard statement %s: its subject is not this image's manifest", l.Digest), nil
		}
	}
	return nil, "no guard statement in its attestation manifest", nil
}

// judge compares the guard's account with the image's layers: the same
// diff ids in order; each read and clean, but base layers at the bottom;
// with no secret given, "no-secrets" stands for read.
func judge(im *Image, st *statement, diffIDs []digest.Digest, manifestLayers int) []string {
	var out []string
	p := st.Predicate
	if p.Verdict != "pass" {
		out = append(out, fmt.Sprintf("guard verdict %q", p.Verdict))
	}
	noSecrets := len(p.Secrets) == 0
	readOK := func(it guardItem) bool {
		return it.Status == "scanned" && it.Verdict == "clean" || noSecrets && it.Status == "no-secrets"
	}
	if !readOK(p.Config) {
		out = append(out, fmt.Sprintf("config: %s/%s", p.Config.Status, p.Config.Verdict))
	}
	if len(diffIDs) != manifestLayers {
		out = append(out, fmt.Sprintf("config lists %d layers, the manifest %d", len(diffIDs), manifestLayers))
	}
	if len(p.Layers) != len(diffIDs) {
		out = append(out, fmt.Sprintf("the guard lists %d layers, the image has %d", len(p.Layers), len(diffIDs)))
	}
	above := false // a layer above the base was seen
	for i, id := range diffIDs {
		if i >= len(p.Layers) {
			out = append(out, fmt.Sprintf("layer %d %s: not in the guard's list", i, id))
			continue
		}
		it := p.Layers[i]
		switch {
		case it.DiffID != id.String():
			out = append(out, fmt.Sprintf("layer %d %s: the guard read %s", i, id, it.DiffID))
		case it.Status == "base-skipped" && !above:
			im.Base++
		case readOK(it):
			above = true
			im.Scanned++
		default:
			out = append(out, fmt.Sprintf("layer %d %s: %s/%s", i, id, it.Status, it.Verdict))
		}
	}
	return out
}
