package builder

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	docker "github.com/fsouza/go-dockerclient"
	"github.com/hushbuild/hush/builder/internal/history"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	is "go.podman.io/image/v5/storage"
	"go.podman.io/storage"
)

// dockerHistory returns the final image's history with the entries this
// build added written as docker's (builder/internal/history): created_by
// as docker 20.10 writes it, one non-empty entry per layer. buildah's own
// entries are the --layers cache's keys, so only the final image gets
// docker's. It returns nil, and the caller keeps buildah's history, when
// buildah's entries do not line up one per instruction (a stage with no
// instruction, a base whose ONBUILD triggers could not be read).
func (p *plan) dockerHistory(store storage.Store, id string) ([]v1.History, error) {
	if p.isolation == IsolationContainer {
		return nil, nil // container mode writes its own history
	}
	var cfg struct {
		History []v1.History `json:"history"`
		RootFS  struct {
			DiffIDs []string `json:"diff_ids"`
		} `json:"rootfs"`
	}
	img, err := store.Image(id)
	if err != nil {
		return nil, err
	}
	raw, err := configOf(store, img.ID)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, fmt.Errorf("parsing image config: %w", err)
	}
	old := cfg.History
	req := history.Request{Dockerfile: p.dockerfile, Args: p.opts.Args, Target: p.opts.Target, Base: baseConfig(store)}
	ev, err := history.Evaluate(req)
	if err != nil {
		return nil, err
	}
	chain := ev.Chain()
	start := len(old) // where each chain stage's entries begin in old
	for _, s := range chain {
		start -= len(ev.Stages[s])
	}
	if start < 0 {
		return nil, nil
	}
	first := start
	// The COPY and ADD source summaries are buildah's (its digests of
	// what was copied), taken from its entries.
	at := map[int]int{}
	for _, s := range chain {
		at[s] = first
		first += len(ev.Stages[s])
	}
	req.Content = func(stage, i int) string {
		base, ok := at[stage]
		if !ok {
			return ""
		}
		return contentOf(old[base+i].CreatedBy)
	}
	if ev, err = history.Evaluate(req); err != nil {
		return nil, err
	}
	out := append([]v1.History(nil), old[:start]...)
	for _, s := range chain {
		seg := old[at[s] : at[s]+len(ev.Stages[s])]
		if len(seg) == 0 {
			continue
		}
		layers, comment := 0, ""
		for _, h := range seg {
			if !h.EmptyLayer {
				layers++
			}
			if comment == "" {
				comment = h.Comment
			}
		}
		hs, err := history.History(ev.Stages[s], layers, time.Time{}, comment)
		if err != nil {
			return nil, nil
		}
		for i := range hs {
			hs[i].Created, hs[i].Author = seg[i].Created, seg[i].Author
		}
		out = append(out, hs...)
	}
	nonEmpty := 0
	for _, h := range out {
		if !h.EmptyLayer {
			nonEmpty++
		}
	}
	if nonEmpty != len(cfg.RootFS.DiffIDs) {
		return nil, nil
	}
	return out, nil
}

// contentOf is the source summary in buildah's created_by for a COPY or
// ADD: "/bin/sh -c #(nop) COPY [--link ]<summary> in <dest> ...".
func contentOf(createdBy string) string {
	_, rest, ok := strings.Cut(createdBy, "#(nop) ")
	if !ok {
		return ""
	}
	words := strings.Fields(rest)
	if len(words) < 2 || words[0] != "COPY" && words[0] != "ADD" {
		return ""
	}
	if words[1] == "--link" && len(words) > 2 {
		return words[2]
	}
	return words[1]
}

// baseConfig reads a FROM image's config from store (buildah pulled it
// there); an image it cannot find reads as no config.
func baseConfig(store storage.Store) history.Base {
	return func(name string) (*docker.Image, error) {
		ref, err := is.Transport.ParseStoreReference(store, name)
		if err != nil {
			return nil, nil
		}
		img, err := is.Transport.GetStoreImage(store, ref)
		if err != nil {
			return nil, nil
		}
		raw, err := configOf(store, img.ID)
		if err != nil {
			return nil, nil
		}
		var c struct {
			Config *docker.Config `json:"config"`
		}
		if json.Unmarshal(raw, &c) != nil || c.Config == nil {
			return nil, nil
		}
		return &docker.Image{Config: c.Config}, nil
	}
}

// configOf finds an image's config among its big data items: the one
// whose key is a digest and whose content has a rootfs.
func configOf(store storage.Store, id string) ([]byte, error) {
	keys, err := store.ListImageBigData(id)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if !strings.HasPrefix(k, "sha256:") {
			continue
		}
		b, err := store.ImageBigData(id, k)
		if err == nil && json.Valid(b) && strings.Contains(string(b), `"rootfs"`) {
			return b, nil
		}
	}
	return nil, errors.New("no config found")
}
