package audit

import (
	"context"
	"io"

	"github.com/hushbuild/hush/secrets/pattern"
)

// Engine is audit's scanner for callers that read images their own way: the
// commit guard scans the layers a build commits (while they are written)
// and the config it stores, through the same rules as `hush audit`: one tar
// walk, one way to name a config field, one history-to-layer mapping, one
// Finding. Safe for concurrent use.
type Engine struct{ sc *scanner }

// NewEngine matches set's known values (nil: none) and, with heuristics,
// what needs no value (credential files, private keys, credential-named
// ENV/LABEL/ARG).
func NewEngine(set *pattern.Set, heuristics bool) *Engine {
	return &Engine{sc: &scanner{set: set, heur: heuristics, redact: newRedactor(set)}}
}

// Layer reads one layer (a tar stream: plain, gzip, zstd, xz or bzip2) to
// its end and returns what Image needs of it.
func (e *Engine) Layer(ctx context.Context, r io.Reader) (*LayerScan, error) {
	return e.sc.scan(ctx, r)
}

// Image returns the findings of one image, sorted and merged as a Report
// holds them: its config and manifest, and its layers' scans, bottom first,
// named by refs. A nil scan is a layer the caller vouches for (a base image
// the build started from): it has no findings, and hides nothing below it.
func (e *Engine) Image(config, manifest []byte, scans []*LayerScan, refs []LayerRef) []Finding {
	return e.sc.image(config, manifest, scans, refs)
}

// image is Image: everything an audit reports of one image.
func (s *scanner) image(config, manifest []byte, scans []*LayerScan, refs []LayerRef) []Finding {
	instr := LayerInstructions(config, len(scans))
	for k := range instr {
		instr[k] = s.redact(instr[k])
	}
	fs := s.scanMetadata(config, manifest)
	fs = append(fs, resolve(scans, refs, instr)...)
	return tidy(fs)
}
