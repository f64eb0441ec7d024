package audit

import (
	"context"
	"errors"
	"runtime"

	"github.com/hushbuild/hush/audit/heuristic"
	"github.com/hushbuild/hush/secrets/pattern"
)

// Audit reads every image in o.Images and reports where a known secret or
// a credential is. The Report always lists every image; the error is
// non-nil when some image could not be audited (each such image's
// ImageReport.Error says why, and the error is one or more *ImageError,
// exit code 2). Findings are not an error: Report.Findings counts them.
func Audit(ctx context.Context, o Options) (*Report, error) {
	if len(o.Images) == 0 {
		return nil, ErrNoImages
	}
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var set *pattern.Set
	if len(o.Secrets) > 0 {
		set = pattern.NewSet(o.Secrets...)
	}
	sc := &scanner{set: set, heur: !o.NoHeuristics, redact: newRedactor(set)}
	srcs := newSources(o)
	defer srcs.shutdown()

	rep := &Report{Images: make([]ImageReport, len(o.Images))}
	if set != nil {
		rep.Skipped = set.Skipped()
	}
	images := make([]*opened, len(o.Images))
	var errs []error
	fail := func(i int, err error) {
		msg := sc.redact(err.Error())
		if rep.Images[i].Error == "" {
			rep.Images[i].Error = msg
			errs = append(errs, &ImageError{Image: rep.Images[i].Image, Err: errors.New(msg)})
		}
	}
	for i, name := range o.Images {
		rep.Images[i].Image = sc.redact(name)
		img, err := srcs.open(ctx, name)
		if err != nil {
			fail(i, err)
			continue
		}
		defer img.close()
		images[i] = img
		ir := &rep.Images[i]
		ir.Transport, ir.Digest, ir.ConfigDigest, ir.Layers = img.transport, img.digest, img.configDigest, len(img.layers)
	}

	// The images that opened, each layer read once (ScanImages).
	var in []ImageLayers
	var at []int // in[k] is image at[k]
	var prog *progress
	for i, img := range images {
		if img == nil {
			continue
		}
		il := ImageLayers{Config: img.config, Manifest: img.manifest}
		for _, h := range img.layers {
			il.Layers = append(il.Layers, LayerJob{Ref: h.ref, Size: h.size, Read: func(ctx context.Context) (*LayerScan, error) {
				defer prog.layerDone()
				return sc.readLayer(ctx, h, prog)
			}})
		}
		in, at = append(in, il), append(at, i)
	}
	eng := &Engine{sc: sc}
	results := eng.ScanImages(ctx, in, workers, func(layers int, total int64) { prog = newProgress(o.Progress, layers, total) })
	prog.finish()
	for k, res := range results {
		ir := &rep.Images[at[k]]
		if res.Err != nil {
			fail(at[k], res.Err)
		}
		ir.Bytes, ir.Findings = res.Bytes, res.Findings
	}
	for i := range rep.Images {
		if rep.Images[i].Findings == nil {
			rep.Images[i].Findings = []Finding{}
		}
	}
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	return rep, errors.Join(errs...)
}

// readLayer opens and scans one layer.
func (s *scanner) readLayer(ctx context.Context, h layerHandle, prog *progress) (*LayerScan, error) {
	rc, err := h.open(ctx)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return s.scan(ctx, prog.reader(rc))
}

// newRedactor returns what every string of a report goes through: each
// known value's patterns (fragments, encodings) and what the heuristics
// recognise become ****.
func newRedactor(set *pattern.Set) func(string) string {
	return func(s string) string {
		if s == "" {
			return s
		}
		return heuristic.RedactCredentials(set.RedactString(s))
	}
}
