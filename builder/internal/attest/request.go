package attest

import (
	"fmt"
	"time"
)

// Provenance modes, as docker buildx's --provenance mode=.
const (
	ProvenanceOff = ""
	ProvenanceMin = "min"
	ProvenanceMax = "max"
)

// Request is what the attestations say about one build, in plain values.
// It holds no secret value: secret ids only, and build args that
// Predicates filters again by name.
type Request struct {
	Provenance string // ProvenanceOff, ProvenanceMin or ProvenanceMax
	Version    string // hush's version
	Invocation string // the build's nonce
	Started    time.Time
	Finished   time.Time
	// Dockerfile is its path relative to the context where it is inside
	// it, else its base name; DockerfileContent its bytes (digested; with
	// mode=max also carried).
	Dockerfile        string
	DockerfileContent []byte
	Target            string
	Platform          string // os/arch[/variant] of the image
	BuildArgs         map[string]string
	Secrets           []SecretSpec
	SSH               []string // ids
	Bases             []Base   // the stages' base images, by digest
	Guard             *Guard   // nil: the guard did not run, no guard attestation
}

// SecretSpec is one --secret as the attestations may name it: its id and
// how the build hands it to steps besides RUN --mount (Every: a file
// target= or an env arg= on every RUN step).
type SecretSpec struct {
	ID          string
	EveryFile   string // target= path
	EveryEnvVar string // arg= variable
}

// Base is a base image the build stood on.
type Base struct {
	Name   string // as storage names it
	Digest string // its manifest digest
}

// Predicates are the statements' bodies r asks for: provenance (unless
// off), then the guard's.
func Predicates(r Request) ([]Predicate, error) {
	var out []Predicate
	switch r.Provenance {
	case ProvenanceOff:
	case ProvenanceMin, ProvenanceMax:
		out = append(out, Predicate{Type: PredicateSLSA1, Body: provenance(r)})
	default:
		return nil, fmt.Errorf("provenance mode %q: want min or max", r.Provenance)
	}
	if r.Guard != nil {
		g, err := guardPredicate(r)
		if err != nil {
			return nil, err
		}
		out = append(out, Predicate{Type: PredicateGuard, Body: g})
	}
	return out, nil
}
