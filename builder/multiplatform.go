package builder

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/hushbuild/hush/builder/internal/guard"
	"github.com/hushbuild/hush/builder/internal/index"
	"github.com/hushbuild/hush/builder/internal/logsink"
	"github.com/hushbuild/hush/builder/internal/storestate"
	"github.com/hushbuild/hush/internal/platforms"
	"github.com/hushbuild/hush/secrets"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/oci/layout"
	is "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage"
)

// wantsIndex says whether the build's result is an index rather than one
// image: several platforms (and, for whatever attaches manifests to each
// platform's image, one platform too).
func wantsIndex(o Options) bool {
	return strings.Contains(o.Platform, ",")
}

// buildIndex builds one image per --platform, each its own plan (its
// own build directory, containers, stage cache keys and guard run), at
// most PlatformParallel at a time, and joins them into one OCI index
// (builder/internal/index) stored under the tags and pushed or exported
// as one. Nothing is tagged, exported or pushed unless every platform's
// build passed the guard.
func buildIndex(ctx context.Context, o Options) (*Result, error) {
	plats := []platforms.Platform{platforms.Host()}
	if o.Platform != "" {
		var err error
		if plats, err = platforms.Parse(o.Platform); err != nil {
			return nil, badOption("Platform", err)
		}
	}
	outs, err := checkIndexOutputs(o, len(plats))
	if err != nil {
		return nil, badOption("Outputs", err)
	}
	// The secrets are read once, as for one build, and each platform's
	// plan takes them from memory: a cmd= runs once.
	d, err := deliver(ctx, o.Secrets, o.SecretStore)
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		return nil, badOption("Secrets", err)
	}
	defer d.close()
	held := secrets.MapStore{}
	for _, s := range d.Loaded() {
		held[s.ID] = s.Value()
	}
	specs := make([]secrets.Spec, len(o.Secrets))
	for i, sp := range o.Secrets {
		sp.Src, sp.Env, sp.Cmd, sp.NonRegular = "", "", "", false
		specs[i] = sp
	}
	var archive []byte
	if o.ContextArchive != nil {
		if archive, err = io.ReadAll(o.ContextArchive); err != nil {
			return nil, fmt.Errorf("reading the context archive: %w", err)
		}
	}
	var mu sync.Mutex // the platforms' log lines interleave whole
	plans := make([]*plan, len(plats))
	var logs []*linePrefixer
	defer func() {
		for _, l := range logs {
			l.flush()
		}
		for _, p := range plans {
			if p != nil {
				p.cleanup()
			}
		}
	}()
	for i, pl := range plats {
		so := o
		so.Platform, so.Outputs, so.Load = pl.String(), nil, false
		so.Secrets, so.SecretStore = specs, held
		if archive != nil {
			so.ContextArchive = bytes.NewReader(archive)
		}
		for _, w := range []*io.Writer{&so.Stdout, &so.Stderr} {
			if *w != nil {
				l := &linePrefixer{w: *w, prefix: []byte("[" + pl.String() + "] "), mu: &mu}
				logs = append(logs, l)
				*w = l
			}
		}
		// The attestations go with the index's outputs, which the
		// platform's own plan does not have: resolved against them below.
		so.Attestations.Provenance = "off"
		if plans[i], err = prepare(ctx, so); err != nil {
			return nil, err
		}
		if err := plans[i].planAttestFor(o, outs); err != nil {
			return nil, err
		}
		if plans[i].attest.want {
			dir, err := os.MkdirTemp("", "hush-attest-")
			if err != nil {
				return nil, fmt.Errorf("attestations: %w", err)
			}
			pi := plans[i]
			pi.undo = append(pi.undo, func() { os.RemoveAll(dir) })
			if err := pi.recordTemp(dir); err != nil {
				return nil, err
			}
			pi.attach = pi.indexAttacher(dir)
		}
	}
	first := plans[0]
	res, err := first.buildIndex(ctx, o, outs, plats, plans)
	return res, redactErr(first.set, err)
}

// checkIndexOutputs: an index goes to a registry or an OCI layout; the
// other outputs hold one platform's image or filesystem.
func checkIndexOutputs(o Options, n int) ([]Output, error) {
	for _, out := range o.Outputs {
		switch out.Type {
		case OutputRegistry, OutputOCI:
		case OutputDocker, OutputLoad:
			return nil, fmt.Errorf("-o type=%s holds one platform's image, not the %d asked for: use type=oci or --push, or one --platform", out.Type, n)
		default:
			return nil, fmt.Errorf("-o type=%s holds one platform's filesystem, not the %d asked for: use one --platform", out.Type, n)
		}
	}
	if o.Load {
		return nil, fmt.Errorf("--load: the Docker daemon's image store holds one platform's image, not the %d asked for: use --push, -o type=oci, or one --platform", n)
	}
	return checkOutputs(o.Outputs, o.Tags)
}

func (first *plan) buildIndex(ctx context.Context, o Options, outs []Output, plats []platforms.Platform, plans []*plan) (*Result, error) {
	for _, p := range plans {
		if err := p.checkInputs(); err != nil {
			return nil, err
		}
	}
	logsink.Install()
	defer logsink.Register(first.all)()
	store, err := first.openStore(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _, _ = store.Shutdown(false) }()
	images := make([]built, len(plans))
	parallel := o.PlatformParallel
	if parallel <= 0 {
		parallel = platforms.DefaultParallel(len(plats))
	}
	err = platforms.Run(ctx, plats, parallel, func(ctx context.Context, i int, pl platforms.Platform) error {
		b, err := plans[i].produce(ctx, store)
		if err != nil {
			return fmt.Errorf("platform %s: %w", pl, err)
		}
		images[i] = b
		return nil
	})
	drop := func() {
		for i, b := range images {
			if b.id != "" {
				guard.RemoveBuilt(store, b.before, b.id, nil)
				plans[i].cache.Discard(store, "")
			}
		}
	}
	if err != nil {
		drop() // one platform's refusal publishes none
		return nil, err
	}
	report := io.Discard // the index's copy progress, without a platform's prefix
	if !o.Quiet {
		report = first.redact(orDiscard(o.Stderr))
	}
	res, err := first.publishIndex(ctx, store, outs, plans, images, report)
	if err != nil {
		drop()
		return nil, &ImageError{Err: err}
	}
	for i, b := range images {
		plans[i].cache.Export(ctx, store, b.before, b.id)
		res.Platforms = append(res.Platforms, PlatformImage{Platform: plats[i].String(), ImageID: b.id})
	}
	return res, nil
}

// publishIndex joins the platforms' images into an index stored under
// the tags; for the OCI layouts and registries asked for, into an index
// of the images as a push writes them (stageIndex), with each platform's
// attachments. On error the stored index is gone and the tags are where
// they were.
func (first *plan) publishIndex(ctx context.Context, store storage.Store, outs []Output, plans []*plan, images []built, report io.Writer) (_ *Result, err error) {
	refs := make([]types.ImageReference, len(images))
	for i, b := range images {
		if refs[i], err = is.Transport.ParseStoreReference(store, "@"+b.id); err != nil {
			return nil, err
		}
	}
	entries := make([]index.Entry, len(refs))
	for i, ref := range refs {
		entries[i] = index.Entry{Image: ref}
	}
	ix, err := index.Assemble(ctx, first.sys, entries)
	if err != nil {
		return nil, err
	}
	d, err := ix.Digest()
	if err != nil {
		return nil, err
	}
	_, serr := store.Image(d.Encoded())
	existed := serr == nil // the same index, built before: the same id
	id, err := ix.Save(store, nil)
	if err != nil {
		return nil, fmt.Errorf("storing the index: %w", err)
	}
	var names []string
	defer func() {
		if err != nil {
			if !existed {
				_, _ = store.DeleteImage(id, false)
			}
			restoreNames(store, names)
		}
	}()
	res := &Result{ImageID: id, Digest: d.String(), Tags: first.tags}
	ociOuts, push := outputsOf(outs, OutputOCI), len(outputsOf(outs, OutputRegistry)) > 0 && len(first.tags) > 0
	var remote *index.Index
	if len(ociOuts) > 0 || push {
		var done func()
		remote, done, err = first.stageIndex(ctx, store, refs, images, plans)
		if err != nil {
			return nil, err
		}
		defer done()
		rd, err := remote.Digest()
		if err != nil {
			return nil, err
		}
		res.Digest = rd.String()
	}
	name := "latest"
	if len(first.tags) > 0 {
		name = first.tags[0]
		if nt, err := storestate.Qualify(name); err == nil {
			name = nt.Tag()
		}
	}
	for _, out := range ociOuts {
		dest, err := layout.NewReference(out.Dest, name)
		if err != nil {
			return nil, fmt.Errorf("output oci %s: %w", out.Dest, err)
		}
		if _, err := remote.Push(ctx, store, first.sys, dest, report); err != nil {
			return nil, fmt.Errorf("writing oci layout %s: %w", out.Dest, err)
		}
	}
	if len(first.tags) > 0 {
		names = heldNames(store, first.tags)
		if err := store.AddNames(id, first.tags); err != nil {
			return nil, fmt.Errorf("tagging the index: %w", err)
		}
	}
	if push {
		for _, tag := range first.tags {
			ref, err := docker.ParseReference("//" + tag)
			if err != nil {
				return nil, fmt.Errorf("push %s: %w", tag, err)
			}
			pushed, err := remote.Push(ctx, store, first.sys, ref, report)
			if err != nil {
				return nil, err
			}
			res.Digest = pushed.String()
		}
	}
	return res, nil
}

// stageIndex is the index as it leaves the machine: each image copied
// once into an OCI layout, compressed as a push compresses it
// (index.Stage), then each platform's attachments, which name those
// digests, and the whole saved (without names) so it can be pushed. done
// removes the layouts and the saved index.
func (first *plan) stageIndex(ctx context.Context, store storage.Store, refs []types.ImageReference, images []built, plans []*plan) (*index.Index, func(), error) {
	dir, err := os.MkdirTemp("", "hush-index-")
	if err != nil {
		return nil, nil, fmt.Errorf("staging the index: %w", err)
	}
	if err := first.recordTemp(dir); err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	var saved string
	done := func() {
		if saved != "" {
			_, _ = store.DeleteImage(saved, false)
		}
		os.RemoveAll(dir)
	}
	staged, digests, err := index.Stage(ctx, first.sys, dir, refs)
	if err != nil {
		done()
		return nil, nil, err
	}
	entries := make([]index.Entry, len(staged))
	for i, ref := range staged {
		entries[i] = index.Entry{Image: ref}
		if plans[i].attach != nil {
			if entries[i].Attachments, err = plans[i].attach(ctx, store, images[i].id, digests[i].Digest); err != nil {
				done()
				return nil, nil, err
			}
		}
	}
	remote, err := index.Assemble(ctx, first.sys, entries)
	if err == nil {
		saved, err = remote.SaveUnnamed(store)
	}
	if err != nil {
		done()
		return nil, nil, fmt.Errorf("staging the index: %w", err)
	}
	return remote, done, nil
}
