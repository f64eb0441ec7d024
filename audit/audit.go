package audit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"

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

	// Every distinct layer once, largest first (the slowest start
	// first), at most workers at a time.
	type job struct {
		h    layerHandle
		scan *LayerScan
		err  error
	}
	jobs := map[string]*job{}
	var order []*job
	for _, img := range images {
		if img == nil {
			continue
		}
		for _, h := range img.layers {
			if _, ok := jobs[h.ref.Digest]; !ok {
				j := &job{h: h}
				jobs[h.ref.Digest] = j
				order = append(order, j)
			}
		}
	}
	slices.SortStableFunc(order, func(a, b *job) int { return cmp.Compare(b.h.size, a.h.size) })
	var total int64
	for _, j := range order {
		total += max(j.h.size, 0)
	}
	prog := newProgress(o.Progress, len(order), total)
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for _, j := range order {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			j.scan, j.err = sc.readLayer(ctx, j.h, prog)
			prog.layerDone()
		}()
	}
	wg.Wait()
	prog.finish()

	for i, img := range images {
		if img == nil {
			continue
		}
		ir := &rep.Images[i]
		scans := make([]*LayerScan, len(img.layers))
		refs := make([]LayerRef, len(img.layers))
		for k, h := range img.layers {
			j := jobs[h.ref.Digest]
			refs[k] = h.ref
			if j.err != nil {
				fail(i, fmt.Errorf("layer %d (%s): %w", k, shortDigest(h.ref.Digest), j.err))
				continue
			}
			scans[k] = j.scan
			ir.Bytes += max(h.size, 0)
		}
		ir.Findings = sc.image(img.config, img.manifest, scans, refs)
		if ir.Findings == nil {
			ir.Findings = []Finding{}
		}
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
