package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hushbuild/hush/builder"
)

// dockerFlags are the further `docker buildx build` flags CI pipelines pass
// (docs/docker-flags.md says what hush does with each).
type dockerFlags struct {
	buildContexts, addHosts, ulimits, annotations, noCacheFilter []string
	cacheTo, cacheFrom                                           []string
	shmSize, provenance, sbom                                    string
	load, stageCache                                             bool
}

func (d *dockerFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringArrayVar(&d.buildContexts, "build-context", nil, "extra named context NAME=DIR or NAME=docker-image://REF (repeatable)")
	f.StringArrayVar(&d.addHosts, "add-host", nil, "HOST:IP line for RUN steps' /etc/hosts (repeatable)")
	f.StringArrayVar(&d.ulimits, "ulimit", nil, "resource limit for RUN steps NAME=SOFT[:HARD], e.g. nofile=1024:2048 (repeatable)")
	f.StringVar(&d.shmSize, "shm-size", "", "size of RUN steps' /dev/shm, e.g. 128m (default 64m)")
	f.StringArrayVar(&d.annotations, "annotation", nil, "image manifest annotation KEY=VALUE (repeatable)")
	f.StringArrayVar(&d.noCacheFilter, "no-cache-filter", nil, "stage not to take from a cache (repeatable; with --layers, no stage is)")
	f.StringArrayVar(&d.cacheTo, "cache-to", nil, "registry cache to export, after the guard passed: type=registry,ref=REPO[,mode=min|max] or REPO (repeatable; stages in the default mode, steps with --layers)")
	f.StringArrayVar(&d.cacheFrom, "cache-from", nil, "registry cache to use: type=registry,ref=REPO or REPO (repeatable; stages in the default mode, steps with --layers)")
	f.BoolVar(&d.stageCache, "stage-cache", false, "default mode: reuse each stage whose inputs are unchanged (the default now; --no-cache turns it off)")
	f.BoolVar(&d.load, "load", false, "also put the image into the local Docker daemon ($DOCKER_HOST), as -o type=docker without dest")
	f.StringVar(&d.provenance, "provenance", "", "SLSA provenance beside a pushed or OCI image: mode=min|max, true, false (default: mode=min on a push, else none)")
	f.StringVar(&d.sbom, "sbom", "", "SPDX SBOM attestation (not built yet: only false is accepted)")
	// docker takes a bare --provenance or --sbom as true.
	f.Lookup("provenance").NoOptDefVal = "true"
	f.Lookup("sbom").NoOptDefVal = "true"
}

func (d *dockerFlags) options() (builder.DockerOptions, error) {
	o := builder.DockerOptions{
		AddHosts: d.addHosts, Ulimits: d.ulimits, ShmSize: d.shmSize,
		Annotations: d.annotations, NoCacheFilter: splitList(d.noCacheFilter),
		Load: d.load, StageCache: d.stageCache,
	}
	for _, s := range d.cacheTo {
		e, err := parseCache("--cache-to", s)
		if err != nil {
			return o, err
		}
		o.CacheTo = append(o.CacheTo, e)
	}
	for _, s := range d.cacheFrom {
		e, err := parseCache("--cache-from", s)
		if err != nil {
			return o, err
		}
		if e.Mode != "" {
			return o, fmt.Errorf("--cache-from %q: mode is a --cache-to key", s)
		}
		o.CacheFrom = append(o.CacheFrom, e.Ref)
	}
	for _, bc := range d.buildContexts {
		name, value, ok := strings.Cut(bc, "=")
		if !ok || name == "" || value == "" {
			return o, fmt.Errorf("--build-context %q: want NAME=DIR or NAME=docker-image://REF", bc)
		}
		if o.BuildContexts == nil {
			o.BuildContexts = map[string]string{}
		}
		if _, dup := o.BuildContexts[name]; dup {
			return o, fmt.Errorf("--build-context: name %q given twice", name)
		}
		o.BuildContexts[name] = value
	}
	return o, nil
}

// splitList accepts both repeated flags and docker's comma lists.
func splitList(in []string) []string {
	var out []string
	for _, s := range in {
		for _, v := range strings.Split(s, ",") {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

// loadOutputs turns docker's -o type=docker without dest (its --load) into
// Load.
func loadOutputs(outs []builder.Output, load bool) ([]builder.Output, bool) {
	kept := outs[:0]
	for _, o := range outs {
		if o.Type == builder.OutputDocker && o.Dest == "" {
			load = true
			continue
		}
		kept = append(kept, o)
	}
	return kept, load
}

// parseCache reads BuildKit's type=registry,ref=REF[,mode=...] or buildah's
// bare REF.
func parseCache(flag, s string) (builder.CacheExport, error) {
	var e builder.CacheExport
	if !strings.Contains(s, "=") {
		e.Ref = s
		return e, nil
	}
	typ := ""
	for _, field := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(field, "=")
		switch k {
		case "type":
			typ = v
		case "ref":
			e.Ref = v
		case "mode":
			e.Mode = v
		case "ignore-error", "image-manifest", "oci-mediatype":
			// hush never fails a build over its cache export, and always
			// writes OCI image manifests.
		default:
			return e, fmt.Errorf("%s %q: unknown key %q", flag, s, k)
		}
	}
	if typ != "registry" {
		return e, fmt.Errorf("%s type=%s: only type=registry is supported", flag, typ)
	}
	if e.Ref == "" {
		return e, fmt.Errorf("%s %q: ref=REPOSITORY is required", flag, s)
	}
	return e, nil
}
