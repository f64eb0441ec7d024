package stagecache

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/hushbuild/hush/secrets"
	"go.podman.io/buildah/define"
	"go.podman.io/storage"
)

// keyInputs gathers what the stage keys need besides the Dockerfile.
func (s *stageCache) keyInputs(ctx context.Context, store storage.Store, p *Cache) keyInputs {
	o := s.cfg
	type global struct {
		Version, Platform, Network, ShmSize string
		Ulimits, AddHosts, SSH              []string
		SourceDateEpoch                     int64
	}
	g := global{Version: define.Version, Platform: o.Platform, Network: o.Network, ShmSize: o.ShmSize,
		Ulimits: p.cfg.Ulimits, AddHosts: o.AddHosts, SSH: o.SSH}
	if o.SourceDateEpoch != nil {
		g.SourceDateEpoch = o.SourceDateEpoch.Unix()
	}
	in := keyInputs{args: map[string]string{}, secrets: map[string]string{}, rotate: map[string]bool{}, contexts: map[string]string{}}
	in.global, _ = json.Marshal(g)
	labels, annotations := append([]string(nil), o.Labels...), append([]string(nil), o.Annotations...)
	sort.Strings(labels)
	sort.Strings(annotations)
	in.final, _ = json.Marshal([][]string{labels, annotations})
	for name, v := range o.Args {
		if secrets.CredentialName(name) {
			v = "" // the name only: a credential's value is never in a key
		}
		in.args[name] = v
	}
	for _, sp := range o.Secrets {
		typ := "file"
		if sp.Env != "" {
			typ = "env"
		}
		in.secrets[sp.ID] = fmt.Sprintf("type=%s,target=%s,mode=%o,uid=%d,gid=%d,arg=%s", typ, sp.Target, sp.Mode, sp.UID, sp.GID, sp.Arg)
		if sp.Target != "" || sp.Arg != "" {
			in.implicit = append(in.implicit, sp.ID)
		}
		if sp.Rotate {
			in.rotate[sp.ID] = true
		}
	}
	var salt []byte
	in.derive = func(id string) ([]byte, error) {
		if salt == nil {
			var err error
			if salt, err = rotationSalt(store, p); err != nil {
				return nil, err
			}
		}
		for _, sec := range p.cfg.Values {
			if sec.ID == id {
				return deriveRotation(sec.Value(), salt), nil
			}
		}
		return nil, fmt.Errorf("secret %q not loaded", id)
	}
	in.image = func(name string) (string, error) { return p.resolveImage(ctx, store, name) }
	for name, v := range o.BuildContexts {
		if ref, ok := strings.CutPrefix(v, "docker-image://"); ok {
			in.contexts[name], _ = in.image(ref)
		} else if d, err := treeDigest(v); err == nil {
			in.contexts[name] = d
		}
	}
	if t, err := newContextTree(p.cfg.ContextDir, p.cfg.Dockerfile); err == nil {
		in.tree = t
	}
	return in
}
