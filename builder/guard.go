package builder

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"sort"
	"strings"
	"sync"

	"go.podman.io/storage"
	storarchive "go.podman.io/storage/pkg/archive"

	"github.com/hushbuild/hush/secrets/archive"
	"github.com/hushbuild/hush/secrets/pattern"
)

// ExitGuard is the exit code hush uses when the commit guard refuses.
const ExitGuard = 3

// Finding is one place the guard found a secret. It never holds the value.
type Finding struct {
	// Image is the id of the image (final or intermediate) the hit is in.
	Image string
	// Stage names the stage by its base, as the image's history does
	// ("FROM golang:1.22"); empty when unknown.
	Stage string
	// Instruction is the Dockerfile instruction that made the layer, or
	// the config field's owner, from the image's history.
	Instruction string
	// Layer is the storage layer id; empty for config findings.
	Layer string
	// LayerIndex counts the image's layers from 0 at the bottom.
	LayerIndex int
	// Path is the file inside the layer (nested archive members as
	// outer!inner); Field is the config field (e.g. config.Env[1]).
	Path, Field                  string
	SecretID, Fragment, Encoding string
}

func (f Finding) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "secret %q (%s; %s) in ", f.SecretID, f.Fragment, f.Encoding)
	if f.Image != "" {
		fmt.Fprintf(&b, "image %.12s ", f.Image)
		if f.Stage != "" {
			fmt.Fprintf(&b, "(stage %s) ", f.Stage)
		}
	}
	if f.Field != "" {
		fmt.Fprintf(&b, "%s", f.Field)
	} else {
		fmt.Fprintf(&b, "layer %d (%.12s) at /%s", f.LayerIndex, f.Layer, strings.TrimPrefix(f.Path, "/"))
	}
	if f.Instruction != "" {
		fmt.Fprintf(&b, ", layer made by %q", strings.TrimSpace(f.Instruction))
	}
	return b.String()
}

// GuardError is returned when the build produced an image holding a secret.
// Nothing was tagged, exported or pushed, and the build's images and layers
// were removed.
type GuardError struct {
	Findings []Finding
	// Before is true when the build was refused before any step ran (a
	// build arg, label or tag carries a secret): nothing was built.
	Before bool
	// Incomplete is why the scan of a layer could not finish (it wraps
	// archive.ErrIncomplete): an image the guard could not read to the end
	// is refused, never passed.
	Incomplete error
}

func (e *GuardError) Error() string {
	if e.Incomplete != nil {
		return fmt.Sprintf("commit guard refused the image: %v (%d finding(s) before it stopped); nothing was tagged, pushed or written",
			e.Incomplete, len(e.Findings))
	}
	ids := map[string]bool{}
	for _, f := range e.Findings {
		ids[f.SecretID] = true
	}
	names := make([]string, 0, len(ids))
	for id := range ids {
		names = append(names, fmt.Sprintf("%q", id))
	}
	sort.Strings(names)
	if e.Before {
		return fmt.Sprintf("guard refused the build before it started: %d finding(s) of secret %s; nothing was built", len(e.Findings), strings.Join(names, ", "))
	}
	return fmt.Sprintf("commit guard refused the image: %d finding(s) of secret %s; nothing was tagged, pushed or written", len(e.Findings), strings.Join(names, ", "))
}

// ExitCode makes the CLI exit with ExitGuard.
func (e *GuardError) ExitCode() int { return ExitGuard }

// snapshot records what storage held before the build, so a refused build
// can remove exactly what it made, and the guard knows which base images
// were there already.
type snapshot struct {
	layers, images map[string]bool
	// namedTops holds the top layers of named images, the bases a FROM
	// can name: their layers are the base, not this build's work.
	namedTops map[string]bool
}

func takeSnapshot(store storage.Store) (snapshot, error) {
	s := snapshot{layers: map[string]bool{}, images: map[string]bool{}, namedTops: map[string]bool{}}
	layers, err := store.Layers()
	if err != nil {
		return s, fmt.Errorf("listing layers: %w", err)
	}
	for _, l := range layers {
		s.layers[l.ID] = true
	}
	images, err := store.Images()
	if err != nil {
		return s, fmt.Errorf("listing images: %w", err)
	}
	for _, i := range images {
		s.images[i.ID] = true
		if len(i.Names) > 0 && i.TopLayer != "" {
			s.namedTops[i.TopLayer] = true
		}
	}
	return s, nil
}

// guard scans the config and every non-base layer of the final image and of
// every image the build created, and returns the findings. A layer is
// scanned even if storage already had it (a cache hit, or identical content
// reused from another build): only a scan can vouch for it, this one or an
// earlier one for the same secrets whose clean verdict v kept.
func guard(ctx context.Context, store storage.Store, before snapshot, final string, set *pattern.Set, pre *prescan, v *verdicts, workers int) ([]Finding, error) {
	images, err := store.Images()
	if err != nil {
		return nil, fmt.Errorf("listing images: %w", err)
	}
	type job struct {
		layer, image, stage, instr string
		index                      int
	}
	var jobs []job
	var findings []Finding
	// The bases a FROM can name: images named before the build, and
	// those named now on layers storage did not hold before (pulled
	// during the build; the build itself names nothing before the guard
	// passed).
	bases := maps.Clone(before.namedTops)
	for _, img := range images {
		if img.ID != final && len(img.Names) > 0 && img.TopLayer != "" && !before.layers[img.TopLayer] {
			bases[img.TopLayer] = true
		}
	}
	scanned := map[string]bool{}
	for _, img := range images {
		if before.images[img.ID] && img.ID != final {
			continue
		}
		chain, history, stage, base, err := describe(store, img, bases)
		if err != nil {
			return nil, err
		}
		for _, f := range scanConfig(store, img, set) {
			f.Stage = stage
			findings = append(findings, f)
		}
		for i, l := range chain {
			if i < base || scanned[l] {
				continue
			}
			scanned[l] = true
			jobs = append(jobs, job{layer: l, image: img.ID, stage: stage, index: i, instr: history[i]})
		}
	}
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, max(workers, 1))
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if v.vettedLayer(store, j.layer) {
				return // scanned clean for this set before (verdict.go)
			}
			fs, err := scanLayer(ctx, store, j.layer, set, pre)
			if err == nil && len(fs) == 0 {
				v.recordLayer(store, j.layer)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			for _, f := range fs {
				findings = append(findings, Finding{Image: j.image, Stage: j.stage, Instruction: j.instr, Layer: j.layer, LayerIndex: j.index,
					Path: f.Path, SecretID: f.SecretID, Fragment: f.Fragment, Encoding: f.Encoding})
			}
		}()
	}
	wg.Wait()
	return merge(findings), firstErr
}

func scanLayer(ctx context.Context, store storage.Store, layer string, set *pattern.Set, pre *prescan) ([]archive.Finding, error) {
	if l, err := store.Layer(layer); err == nil && l.UncompressedDigest != "" {
		if fs, ok := pre.lookup(l.UncompressedDigest.String()); ok {
			return fs, nil
		}
	}
	none := storarchive.Uncompressed
	rc, err := store.Diff("", layer, &storage.DiffOptions{Compression: &none})
	if err != nil {
		return nil, fmt.Errorf("reading layer %.12s: %w", layer, err)
	}
	defer rc.Close()
	var out []archive.Finding
	err = archive.ScanTar(set, rc, func(f archive.Finding) { out = append(out, f) })
	if err != nil {
		// An incomplete scan keeps what it found: the refusal lists it.
		return out, fmt.Errorf("scanning layer %.12s: %w", layer, err)
	}
	return out, ctx.Err()
}

// describe returns an image's layer chain, bottom first, for each the
// instruction that made it (from the history entries that are not empty
// layers), the stage's base as buildah notes it in the history, and how
// many layers the base has. buildah writes "FROM x" on the first history
// entry a build adds, so the stage is the LAST such comment: a base built
// by buildah or hush carries those of its own build below it, and taking
// the first would scan the base's layers as this build's and name the
// wrong stage. The layers below that entry count as the base only when
// they end at the top layer of a base image (bases: named before the
// build, or pulled during it); otherwise every layer is scanned.
func describe(store storage.Store, img storage.Image, bases map[string]bool) (chain, history []string, stage string, base int, err error) {
	for id := img.TopLayer; id != ""; {
		l, err := store.Layer(id)
		if err != nil {
			return nil, nil, "", 0, fmt.Errorf("reading layer %.12s: %w", id, err)
		}
		chain = append([]string{id}, chain...)
		id = l.Parent
	}
	history = make([]string, len(chain))
	var cfg struct {
		History []struct {
			CreatedBy  string `json:"created_by"`
			Comment    string `json:"comment"`
			EmptyLayer bool   `json:"empty_layer"`
		} `json:"history"`
	}
	if raw, err := configBlob(store, img); err == nil && json.Unmarshal(raw, &cfg) == nil {
		i := 0
		for _, h := range cfg.History {
			if strings.HasPrefix(h.Comment, "FROM ") {
				stage, base = h.Comment, i
			}
			if h.EmptyLayer {
				continue
			}
			if i < len(history) {
				history[i] = h.CreatedBy
			}
			i++
		}
	}
	if base > len(chain) || base > 0 && !bases[chain[base-1]] {
		base = 0 // not a known base image: scan everything
	}
	return chain, history, stage, base, nil
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

// removeBuilt deletes what this refused build created: the final image, the
// images holding a finding, and the new images under the final one (the
// --layers cache of its steps), with their layers. It goes by image, not by
// "everything new", so a concurrent build in the same store keeps its work.
func removeBuilt(store storage.Store, before snapshot, final string, findings []Finding) {
	doomed := map[string]bool{final: true}
	for _, f := range findings {
		if f.Image != "" {
			doomed[f.Image] = true
		}
	}
	if img, err := store.Image(final); err == nil {
		chain := map[string]bool{}
		for id := img.TopLayer; id != ""; {
			chain[id] = true
			l, err := store.Layer(id)
			if err != nil {
				break
			}
			id = l.Parent
		}
		if images, err := store.Images(); err == nil {
			for _, i := range images {
				if chain[i.TopLayer] {
					doomed[i.ID] = true
				}
			}
		}
	}
	for id := range doomed {
		if !before.images[id] {
			// commit=true also deletes the layers no other image uses.
			_, _ = store.DeleteImage(id, true)
		}
	}
}
