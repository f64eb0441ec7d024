package audit

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
)

// ImageLayers is one image for ScanImages: its config and manifest, and
// its layers bottom first.
type ImageLayers struct {
	Config, Manifest []byte
	Layers           []LayerJob
}

// LayerJob is one layer of an image for ScanImages.
type LayerJob struct {
	Ref LayerRef
	// Key names the layer across images: a key is read once however many
	// images hold it. Default: Ref.Digest.
	Key string
	// Size orders the reads, largest first (the slowest start first);
	// -1 when unknown.
	Size int64
	// Read scans the layer. nil: the caller vouches for it here (a base
	// image), unless another image's job for the same key reads it. A
	// Read that returns (nil, nil) vouches for it too (a clean verdict
	// kept from an earlier scan).
	Read func(ctx context.Context) (*LayerScan, error)
}

// ImageResult is what ScanImages found in one image.
type ImageResult struct {
	// Findings are Engine.Image's, from every layer that could be read.
	Findings []Finding
	// Err is the first layer of the image that could not be read to the
	// end, named by index and digest (it wraps archive.ErrIncomplete
	// when the reader refused the layer).
	Err error
	// Bytes adds up the Size of the layers read without error.
	Bytes int64
}

// ScanImages reads every distinct layer of images once, at most workers at
// a time (default GOMAXPROCS), and returns each image's findings: the one
// loop that the commit guard and `hush audit` share, differing only in how
// they read a layer (Read). started, when set, learns how many layers and
// bytes will be read, before the first read.
func (e *Engine) ScanImages(ctx context.Context, images []ImageLayers, workers int, started func(layers int, bytes int64)) []ImageResult {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	type job struct {
		LayerJob
		scan *LayerScan
		err  error
	}
	jobs := map[string]*job{}
	var order []*job
	for _, img := range images {
		for _, l := range img.Layers {
			k := cmp.Or(l.Key, l.Ref.Digest)
			j := jobs[k]
			if j == nil {
				j = &job{LayerJob: LayerJob{Ref: l.Ref, Key: k, Size: l.Size}}
				jobs[k] = j
			}
			if j.Read == nil && l.Read != nil {
				j.LayerJob = l
				order = append(order, j)
			}
		}
	}
	slices.SortStableFunc(order, func(a, b *job) int { return cmp.Compare(b.Size, a.Size) })
	if started != nil {
		var total int64
		for _, j := range order {
			total += max(j.Size, 0)
		}
		started(len(order), total)
	}
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for _, j := range order {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			j.scan, j.err = j.Read(ctx)
		}()
	}
	wg.Wait()

	out := make([]ImageResult, len(images))
	for i, img := range images {
		scans := make([]*LayerScan, len(img.Layers))
		refs := make([]LayerRef, len(img.Layers))
		for k, l := range img.Layers {
			refs[k] = l.Ref
			j := jobs[cmp.Or(l.Key, l.Ref.Digest)]
			scans[k] = j.scan
			switch {
			case j.err != nil && out[i].Err == nil:
				out[i].Err = fmt.Errorf("layer %d (%s): %w", k, shortDigest(l.Ref.Digest), j.err)
			case j.err == nil && j.Read != nil:
				out[i].Bytes += max(l.Size, 0)
			}
		}
		out[i].Findings = e.sc.image(img.Config, img.Manifest, scans, refs)
	}
	return out
}
