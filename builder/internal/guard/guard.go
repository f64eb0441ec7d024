// Package guard owns the commit guard: after buildah (or container mode)
// made an image, and before anything is tagged, exported or pushed, it
// scans every image the build made with audit's engine (Run), reusing what
// prescan read while buildah wrote each blob (StartPrescan) and the clean
// verdicts of earlier builds for the same secrets (OpenVerdicts); and it
// removes what a refused build made (RemoveBuilt).
//
// It must not import builder (the orchestration hands it a Request), nor
// container mode, the caches or recovery.
package guard

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"

	"github.com/hushbuild/hush/builder/internal/storestate"
	"go.podman.io/storage"

	"github.com/hushbuild/hush/audit"
	"github.com/hushbuild/hush/audit/layertar"
)

// Request is what the guard needs of a build.
type Request struct {
	// Before is what storage held when the build began (the images it
	// reused from a cache left out, so they are scanned again; the top
	// layers of remote bases added, so theirs are not).
	Before storestate.Snapshot
	Final  string        // the image the build made
	Engine *audit.Engine // the build's one engine, the one prescan scans with
	// Prescan (nil: none) has the scans of the blobs buildah wrote;
	// Verdicts (nil: none) the layers found clean for these secrets before.
	Prescan  *Prescan
	Verdicts *Verdicts
	Workers  int // layers read at once
}

// Run scans the config and every non-base layer of the final image and of
// every image the build created, with audit's engine, and returns the
// findings: for each image what `hush audit` reports of it (known values
// only), a layer's findings once, under the final image when it is in it.
// A layer is scanned even if storage already had it (a cache hit, or
// identical content reused from another build): only a scan can vouch for
// it, this one or an earlier one for the same secrets whose clean verdict v
// kept.
func Run(ctx context.Context, store storage.Store, r Request) ([]audit.Finding, error) {
	before, final, eng, pre, v := r.Before, r.Final, r.Engine, r.Prescan, r.Verdicts
	all, err := store.Images()
	if err != nil {
		return nil, fmt.Errorf("listing images: %w", err)
	}
	bases := baseTops(all, before, final)
	var images []*guardImage
	for _, img := range all {
		if before.Images[img.ID] && img.ID != final {
			continue
		}
		gi, err := describe(store, img, bases)
		if err != nil {
			return nil, err
		}
		if img.ID == final {
			images = append([]*guardImage{gi}, images...)
		} else {
			images = append(images, gi)
		}
	}
	// Every layer above a base, read once by audit's loop: its verdict
	// kept, prescan's scan, or a read of storage.
	in := make([]audit.ImageLayers, len(images))
	for k, gi := range images {
		in[k] = audit.ImageLayers{Config: gi.config, Manifest: gi.manifest}
		for i, l := range gi.chain {
			job := audit.LayerJob{Ref: audit.StorageLayerRef(i, l), Key: l.ID, Size: l.UncompressedSize}
			if scanNeeded(gi, i) {
				job.Read = func(ctx context.Context) (*audit.LayerScan, error) {
					if v.vettedLayer(store, l.ID) {
						return nil, nil // scanned clean for this set before (verdict.go)
					}
					ls, err := scanLayer(ctx, store, eng, l, pre)
					if err == nil && ls.Hits() == 0 {
						v.recordLayer(store, l.ID)
					}
					return ls, err
				}
			}
			in[k].Layers = append(in[k].Layers, job)
		}
	}
	var findings []audit.Finding
	var firstErr error
	reported := map[string]bool{}
	for k, res := range eng.ScanImages(ctx, in, r.Workers, nil) {
		gi := images[k]
		firstErr = cmp.Or(firstErr, res.Err)
		for _, f := range res.Findings {
			if f.Layer != nil {
				k := f.Layer.Digest + "\x00" + f.Path + "\x00" + f.LinkTo + "\x00" + f.SecretID + "\x00" + f.Detail
				if reported[k] {
					continue
				}
				reported[k] = true
			}
			f.Image, f.Stage = gi.img.ID, gi.stage
			findings = append(findings, f)
		}
	}
	return findings, cmp.Or(firstErr, ctx.Err())
}

// baseTops are the top layers of the bases a FROM can name: images named
// before the build, and those named now on layers storage did not hold
// before (pulled during the build; the build itself names nothing before
// the guard passed).
func baseTops(all []storage.Image, before storestate.Snapshot, final string) map[string]bool {
	bases := maps.Clone(before.NamedTops)
	if bases == nil {
		bases = map[string]bool{}
	}
	for _, img := range all {
		if img.ID != final && storestate.NamedBase(img.Names) && img.TopLayer != "" && !before.Layers[img.TopLayer] {
			bases[img.TopLayer] = true
		}
	}
	return bases
}

// guardImage is what the guard knows of one image before reading layers.
type guardImage struct {
	img              storage.Image
	chain            []*storage.Layer // bottom first
	config, manifest []byte
	stage            string // the stage's base, "FROM x"; "" when unknown
	base             int    // how many bottom layers are the base image's
}

// scanNeeded decides whether the guard reads layer i of an image: every
// layer above the base image. This is the one place that says so (a
// verdict cache of layers already vetted for this secret set hooks here).
func scanNeeded(gi *guardImage, i int) bool {
	return i >= gi.base
}

// scanLayer reads one layer with audit's engine, or takes prescan's scan
// of it, made while buildah wrote the blob.
func scanLayer(ctx context.Context, store storage.Store, eng *audit.Engine, l *storage.Layer, pre *Prescan) (*audit.LayerScan, error) {
	if l.UncompressedDigest != "" {
		if ls, ok := pre.lookup(l.UncompressedDigest.String()); ok {
			return ls, nil
		}
	}
	rc, err := layertar.OpenStorage(ctx, store, l.ID)
	if err != nil {
		return nil, fmt.Errorf("reading layer %.12s: %w", l.ID, err)
	}
	defer rc.Close()
	// An incomplete scan keeps what it found: the refusal lists it. The
	// error is named by the layer's index and digest (ScanImages).
	ls, err := eng.Layer(ctx, rc)
	return ls, cmp.Or(err, ctx.Err())
}

// describe reads an image's layer chain, bottom first, its config and
// manifest, and where its base ends.
func describe(store storage.Store, img storage.Image, bases map[string]bool) (*guardImage, error) {
	gi := &guardImage{img: img}
	for id := img.TopLayer; id != ""; {
		l, err := store.Layer(id)
		if err != nil {
			return nil, fmt.Errorf("reading layer %.12s: %w", id, err)
		}
		gi.chain = append([]*storage.Layer{l}, gi.chain...)
		id = l.Parent
	}
	gi.config, _ = configBlob(store, img)
	gi.manifest, _ = store.ImageBigData(img.ID, storage.ImageDigestBigDataKey)
	gi.stage, gi.base = stageBase(gi.config, gi.chain, bases)
	return gi, nil
}

// stageBase returns the stage an image belongs to, as buildah notes it in
// the history, and how many of its bottom layers its base image holds:
// those the guard does not read. buildah writes "FROM x" on the first
// history entry a build adds, so the stage is the LAST such comment: a base
// built by buildah or hush carries those of its own build below it, and
// taking the first would scan the base's layers as this build's and name
// the wrong stage. The layers below that entry count as the base only when
// they end at the top layer of a base image (bases: named before the
// build, or pulled during it); otherwise every layer is read.
func stageBase(config []byte, chain []*storage.Layer, bases map[string]bool) (stage string, base int) {
	var cfg struct {
		History []struct {
			Comment    string `json:"comment"`
			EmptyLayer bool   `json:"empty_layer"`
		} `json:"history"`
	}
	if json.Unmarshal(config, &cfg) != nil {
		return "", 0
	}
	i := 0
	for _, h := range cfg.History {
		if strings.HasPrefix(h.Comment, "FROM ") {
			stage, base = h.Comment, i
		}
		if !h.EmptyLayer {
			i++
		}
	}
	if base > len(chain) || base > 0 && !bases[chain[base-1].ID] {
		base = 0 // not a known base image: scan everything
	}
	return stage, base
}

// configBlob finds the image's config among its big data items: the one
// whose key is a digest and whose content parses as an image config.
func configBlob(store storage.Store, img storage.Image) ([]byte, error) {
	keys, err := store.ListImageBigData(img.ID)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if !strings.HasPrefix(k, "sha256:") {
			continue
		}
		b, err := store.ImageBigData(img.ID, k)
		if err == nil && json.Valid(b) && strings.Contains(string(b), `"rootfs"`) {
			return b, nil
		}
	}
	return nil, fmt.Errorf("image %.12s: no config found", img.ID)
}

// RemoveBuilt deletes what this refused build created: the final image, the
// images holding a finding, and the new images under the final one (the
// --layers cache of its steps), with their layers. It goes by image, not by
// "everything new", so a concurrent build in the same store keeps its work.
func RemoveBuilt(store storage.Store, before storestate.Snapshot, final string, findings []audit.Finding) {
	doomed := map[string]bool{final: true}
	for _, f := range findings {
		if f.Image != "" {
			doomed[f.Image] = true
		}
	}
	if img, err := store.Image(final); err == nil {
		chain := storestate.LayerChain(store, img.TopLayer)
		if images, err := store.Images(); err == nil {
			for _, i := range images {
				if chain[i.TopLayer] {
					doomed[i.ID] = true
				}
			}
		}
	}
	for id := range doomed {
		if !before.Images[id] {
			// commit=true also deletes the layers no other image uses.
			_, _ = store.DeleteImage(id, true)
		}
	}
}
