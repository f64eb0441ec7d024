package guard

import (
	"fmt"

	"github.com/hushbuild/hush/builder/internal/storestate"
	"go.podman.io/storage"
)

// Report is what the guard did with the final image, for its attestation
// (builder/internal/attest): every layer, bottom first, read or left as a
// base's, and the stages' bases. Only a passed guard has one: a finding
// refuses the build, so every layer read was clean.
type Report struct {
	Layers []LayerStatus
	Stages []StageBase // the final image's stage first, then the others the build made
}

// LayerStatus is one layer of the final image.
type LayerStatus struct {
	DiffID  string // the uncompressed digest, as the config's rootfs.diff_ids
	Scanned bool   // false: a base image's layer, not read (scanNeeded)
}

// StageBase is the base an image of the build stands on, as the guard
// decided where its base ends: a named image in storage, or none (FROM
// scratch, or a stage of this build).
type StageBase struct {
	Stage string // buildah's history comment, "FROM x"; "" when unknown
	// BaseID and BaseDigest are the base image's id and manifest digest;
	// "" when the base is not a named image (every layer is read then).
	BaseID, BaseDigest string
	BaseNames          []string
}

// Describe reports, for the image r.Final that Run passed, which layers
// Run read and which it left as a base's, by the same rule (scanNeeded,
// stageBase), with r.Before as Run had it.
func Describe(store storage.Store, r Request) (Report, error) {
	all, err := store.Images()
	if err != nil {
		return Report{}, fmt.Errorf("listing images: %w", err)
	}
	bases := baseTops(all, r.Before, r.Final)
	byTop := map[string]storage.Image{}
	for _, img := range all {
		if img.TopLayer != "" && storestate.NamedBase(img.Names) && bases[img.TopLayer] {
			byTop[img.TopLayer] = img
		}
	}
	var rep Report
	found := false
	for _, img := range all {
		if img.ID != r.Final && (r.Before.Images[img.ID] || storestate.NamedBase(img.Names)) {
			continue
		}
		gi, err := describe(store, img, bases)
		if err != nil {
			return Report{}, err
		}
		sb := StageBase{Stage: gi.stage}
		if gi.base > 0 {
			if b, ok := byTop[gi.chain[gi.base-1].ID]; ok {
				sb.BaseID, sb.BaseDigest, sb.BaseNames = b.ID, b.Digest.String(), b.Names
			}
		}
		if img.ID != r.Final {
			rep.Stages = append(rep.Stages, sb)
			continue
		}
		found = true
		rep.Stages = append([]StageBase{sb}, rep.Stages...)
		for i, l := range gi.chain {
			rep.Layers = append(rep.Layers, LayerStatus{DiffID: l.UncompressedDigest.String(), Scanned: scanNeeded(gi, i)})
		}
	}
	if !found {
		return Report{}, fmt.Errorf("image %.12s: not found", r.Final)
	}
	return rep, nil
}
