package stagecache

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"strings"

	"github.com/hushbuild/hush/builder/internal/storestate"
	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/pkg/blobinfocache/none"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage"
)

// A base the keys resolved at a registry (cachepull.go) is not in storage:
// a stage that must run gets it pulled first (pullFor), and on a hit the
// guard is told which of the reused image's layers are its bytes
// (withRemoteBases), as it would know a base in storage.

// pullFor pulls the images a stage that must run uses and that the key
// resolved at a registry without pulling: by the digest the key saw, named
// as buildah will look them up, so that it finds them and pulls nothing
// else. names nil: every such image.
func (p *Cache) pullFor(ctx context.Context, store storage.Store, names []string) error {
	for _, r := range p.ids.settled(names) {
		if r.pin == nil {
			continue
		}
		if img, err := store.Image(r.id); err == nil {
			if err := store.AddNames(img.ID, []string{r.as.String()}); err != nil {
				return fmt.Errorf("naming base %s: %w", r.as, err)
			}
			continue
		}
		id, err := p.pullImage(ctx, store, r.pin, r.as)
		if err != nil {
			return err
		}
		if id != r.id {
			return fmt.Errorf("base %s: pulled image %.12s, but the cache key was made for %.12s", r.pin, id, r.id)
		}
	}
	return nil
}

// stageImages are the image names stage i uses: its base, its --from
// images and the images of the docker-image:// contexts it names.
func (p *Cache) stageImages(plan *dfPlan, i int, contexts map[string]string) []string {
	var out []string
	for _, r := range append([]stageRef{plan.stages[i].base}, plan.stages[i].refs...) {
		switch {
		case r.stage >= 0:
		case r.context != "":
			if ref, ok := strings.CutPrefix(contexts[r.context], "docker-image://"); ok {
				out = append(out, ref)
			}
		case r.image != "" && r.image != "scratch":
			out = append(out, r.image)
		}
	}
	return out
}

// WithRemoteBases adds to the guard's snapshot the top layers that are a
// remotely resolved base's (a fresh runner's hit never pulled it): the
// bottom layers of an image whose uncompressed digests are, in order, the
// diff ids of that base's config, read from its registry while the build
// went on (resolveImage) and checked against the config digest the key
// holds. They are the base's bytes, which the guard leaves unread as it
// does a base in storage.
func (p *Cache) WithRemoteBases(store storage.Store, snap storestate.Snapshot) storestate.Snapshot {
	if p == nil {
		return snap
	}
	var diffIDs [][]digest.Digest
	for _, r := range p.ids.settled(nil) {
		if r.diffDone == nil {
			continue
		}
		<-r.diffDone
		if len(r.diffIDs) > 0 {
			diffIDs = append(diffIDs, r.diffIDs)
		}
	}
	if len(diffIDs) == 0 {
		return snap
	}
	images, err := store.Images()
	if err != nil {
		return snap
	}
	tops := maps.Clone(snap.NamedTops)
	for _, img := range images {
		var chain []*storage.Layer
		for id := img.TopLayer; id != ""; {
			l, err := store.Layer(id)
			if err != nil {
				break
			}
			chain = append([]*storage.Layer{l}, chain...)
			id = l.Parent
		}
		for _, ids := range diffIDs {
			if len(ids) > len(chain) {
				continue
			}
			match := true
			for i, d := range ids {
				if chain[i].UncompressedDigest != d {
					match = false
					break
				}
			}
			if match {
				tops[chain[len(ids)-1].ID] = true
			}
		}
	}
	snap.NamedTops = tops
	return snap
}

// remoteDiffIDs reads the config of pin (this platform's instance of a
// list) and returns its diff ids, if its digest is id.
func (p *Cache) remoteDiffIDs(ctx context.Context, pin reference.Canonical, id string) ([]digest.Digest, error) {
	ref, err := docker.NewReference(pin)
	if err != nil {
		return nil, err
	}
	src, err := ref.NewImageSource(ctx, p.cfg.Sys)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	cfg := digest.NewDigestFromEncoded(digest.SHA256, id)
	rc, _, err := src.GetBlob(ctx, types.BlobInfo{Digest: cfg, Size: -1}, none.NoCache)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 4<<20))
	if err != nil {
		return nil, err
	}
	if digest.FromBytes(b) != cfg {
		return nil, fmt.Errorf("%s: config does not match its digest", pin)
	}
	var c imgspecv1.Image
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, err
	}
	return c.RootFS.DiffIDs, nil
}
