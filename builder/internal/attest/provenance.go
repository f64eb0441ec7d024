package attest

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
	"time"

	"github.com/hushbuild/hush/secrets"
)

// BuildType names hush's build as SLSA's buildType; docs/attestations.md
// says what its externalParameters hold.
const BuildType = "https://github.com/hushbuild/hush/blob/main/docs/attestations.md#provenance"

// BuilderID is hush, the builder.
const BuilderID = "https://github.com/hushbuild/hush"

// The SLSA provenance v1 predicate, the fields hush fills.
type slsaProvenance struct {
	BuildDefinition buildDefinition `json:"buildDefinition"`
	RunDetails      runDetails      `json:"runDetails"`
}

type buildDefinition struct {
	BuildType            string               `json:"buildType"`
	ExternalParameters   externalParameters   `json:"externalParameters"`
	InternalParameters   map[string]any       `json:"internalParameters,omitempty"`
	ResolvedDependencies []resourceDescriptor `json:"resolvedDependencies,omitempty"`
}

// externalParameters follow BuildKit's (configSource, request), so that
// readers of BuildKit's provenance find the same fields.
type externalParameters struct {
	ConfigSource configSource `json:"configSource"`
	Request      request      `json:"request"`
}

type configSource struct {
	Path   string            `json:"path"`
	Digest map[string]string `json:"digest,omitempty"`
}

type request struct {
	Frontend string            `json:"frontend"`
	Args     map[string]string `json:"args,omitempty"`
	Secrets  []idRef           `json:"secrets,omitempty"`
	SSH      []idRef           `json:"ssh,omitempty"`
	Locals   []idRef           `json:"locals,omitempty"`
}

type idRef struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

type resourceDescriptor struct {
	URI       string            `json:"uri,omitempty"`
	Name      string            `json:"name,omitempty"`
	Digest    map[string]string `json:"digest,omitempty"`
	MediaType string            `json:"mediaType,omitempty"`
	Content   []byte            `json:"content,omitempty"` // base64, as the spec's bytes
}

type runDetails struct {
	Builder    builder              `json:"builder"`
	Metadata   *metadata            `json:"metadata,omitempty"`
	Byproducts []resourceDescriptor `json:"byproducts,omitempty"`
}

type builder struct {
	ID      string            `json:"id"`
	Version map[string]string `json:"version,omitempty"`
}

type metadata struct {
	InvocationID string `json:"invocationId,omitempty"`
	StartedOn    string `json:"startedOn,omitempty"`
	FinishedOn   string `json:"finishedOn,omitempty"`
}

// provenance is mode=min: the builder, the Dockerfile by digest, the
// target and build args (a credential-named one left out, value and name),
// the platform and the bases by digest. mode=max adds the secret and SSH
// ids (never a value, nor a hash of one) and the Dockerfile itself.
func provenance(r Request) slsaProvenance {
	sum := sha256.Sum256(r.DockerfileContent)
	args := map[string]string{}
	for k, v := range r.BuildArgs {
		if !secrets.CredentialName(k) {
			args["build-arg:"+k] = v
		}
	}
	if r.Target != "" {
		args["target"] = r.Target
	}
	if r.Platform != "" {
		args["platform"] = r.Platform
	}
	p := slsaProvenance{
		BuildDefinition: buildDefinition{
			BuildType: BuildType,
			ExternalParameters: externalParameters{
				ConfigSource: configSource{Path: r.Dockerfile, Digest: map[string]string{"sha256": hex.EncodeToString(sum[:])}},
				Request: request{
					Frontend: "dockerfile.v0", Args: args,
					Locals: []idRef{{Name: "context"}, {Name: "dockerfile"}},
				},
			},
		},
		RunDetails: runDetails{
			Builder: builder{ID: BuilderID, Version: map[string]string{"hush": r.Version}},
			Metadata: &metadata{
				InvocationID: r.Invocation,
				StartedOn:    stamp(r.Started),
				FinishedOn:   stamp(r.Finished),
			},
		},
	}
	if len(args) == 0 {
		p.BuildDefinition.ExternalParameters.Request.Args = nil
	}
	for _, b := range r.Bases {
		p.BuildDefinition.ResolvedDependencies = append(p.BuildDefinition.ResolvedDependencies, baseDescriptor(b, r.Platform))
	}
	if r.Provenance == ProvenanceMax {
		req := &p.BuildDefinition.ExternalParameters.Request
		for _, s := range r.Secrets {
			req.Secrets = append(req.Secrets, idRef{ID: s.ID})
		}
		for _, id := range r.SSH {
			req.SSH = append(req.SSH, idRef{ID: id})
		}
		p.RunDetails.Byproducts = []resourceDescriptor{{
			Name: r.Dockerfile, MediaType: "text/plain", Content: r.DockerfileContent,
			Digest: map[string]string{"sha256": hex.EncodeToString(sum[:])},
		}}
	}
	return p
}

// baseDescriptor names a base as BuildKit does: a purl with the platform.
func baseDescriptor(b Base, platform string) resourceDescriptor {
	name, tag := b.Name, ""
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name, tag = name[:i], name[i+1:]
	}
	uri := "pkg:docker/" + name
	if tag != "" {
		uri += "@" + tag
	}
	if platform != "" {
		uri += "?platform=" + url.QueryEscape(platform)
	}
	algo, hexd, _ := strings.Cut(b.Digest, ":")
	return resourceDescriptor{URI: uri, Digest: map[string]string{algo: hexd}}
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
