package builder

import (
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"

	units "github.com/docker/go-units"
	"go.podman.io/buildah/define"
	bparse "go.podman.io/buildah/pkg/parse"
	"go.podman.io/image/v5/docker/reference"
)

// DockerOptions are the `docker buildx build` options CI pipelines pass
// besides the core ones in Options. Zero values change nothing.
type DockerOptions struct {
	// BuildContexts are named extra contexts, NAME -> a directory or
	// docker-image://REF, for COPY --from=NAME and FROM NAME.
	BuildContexts map[string]string
	// AddHosts are HOST:IP (or HOST=IP) lines for RUN steps' /etc/hosts.
	AddHosts []string
	// Ulimits are NAME=SOFT[:HARD] limits for RUN steps; they replace hush's
	// defaults (the process's hard nofile and nproc limits) of the same name.
	Ulimits []string
	// ShmSize is the size of RUN steps' /dev/shm (e.g. 128m). Default 64m.
	ShmSize string
	// Annotations are KEY=VALUE annotations on the image manifest.
	Annotations []string
	// NoCacheFilter names stages that must not be taken from a cache.
	NoCacheFilter []string
	// CacheTo and CacheFrom are registry caches for --layers builds
	// (cache.go): --cache-to type=registry,ref=REF[,mode=min|max] and
	// --cache-from type=registry,ref=REF.
	CacheTo   []CacheExport
	CacheFrom []string
	// StageCache is accepted for compatibility: the default mode's stage
	// cache (cachestage.go) is on unless NoCache.
	StageCache bool
	// Load puts the image into the local Docker daemon under every tag
	// (load.go), as docker's --load. Needs at least one tag.
	Load bool
}

// applyDocker checks o's docker options and sets them on buildah's.
func (p *plan) applyDocker(opts Options) error {
	o := opts.DockerOptions
	if o.Load {
		if len(opts.Tags) == 0 {
			return fmt.Errorf("--load: needs a --tag to name the image in the Docker daemon")
		}
		names, err := dockerNames(opts.Tags)
		if err != nil {
			return err
		}
		p.outputs = append(p.outputs, Output{Type: OutputLoad, names: names})
	}
	if len(o.BuildContexts) > 0 {
		p.opts.AdditionalBuildContexts = map[string]*define.AdditionalBuildContext{}
		names := make([]string, 0, len(o.BuildContexts))
		for n := range o.BuildContexts {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			c, err := buildContext(n, o.BuildContexts[n])
			if err != nil {
				return err
			}
			p.opts.AdditionalBuildContexts[n] = c
		}
	}
	for _, h := range o.AddHosts {
		line, err := addHost(h)
		if err != nil {
			return err
		}
		p.opts.CommonBuildOpts.AddHost = append(p.opts.CommonBuildOpts.AddHost, line)
	}
	ul, err := mergeUlimits(p.opts.CommonBuildOpts.Ulimit, o.Ulimits)
	if err != nil {
		return err
	}
	p.opts.CommonBuildOpts.Ulimit = ul
	if o.ShmSize != "" {
		n, err := units.RAMInBytes(o.ShmSize)
		if err != nil || n <= 0 {
			return fmt.Errorf("--shm-size %q: want a size such as 64m or 1g", o.ShmSize)
		}
		p.opts.CommonBuildOpts.ShmSize = strconv.FormatInt(n, 10)
	}
	for _, a := range o.Annotations {
		// docker's manifest: prefix is where hush puts every annotation.
		a := strings.TrimPrefix(a, "manifest:")
		k, _, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return fmt.Errorf("--annotation %q: want KEY=VALUE", a)
		}
		for _, other := range []string{"index:", "index-descriptor:", "manifest-descriptor:"} {
			if strings.HasPrefix(k, other) {
				return fmt.Errorf("--annotation %q: only manifest annotations are supported", a)
			}
		}
		p.opts.Annotations = append(p.opts.Annotations, a)
	}
	for _, s := range o.NoCacheFilter {
		if s == "" {
			return fmt.Errorf("--no-cache-filter: empty stage name")
		}
	}
	if len(o.NoCacheFilter) > 0 && p.opts.Layers && !p.opts.NoCache {
		// buildah caches per build, not per stage: not using the cache for
		// any stage is the only way to honour the filter exactly.
		fmt.Fprintf(p.stderr, "hush: --no-cache-filter with --layers: no stage is taken from the cache\n")
		p.opts.NoCache = true
	}
	for _, sp := range opts.Secrets {
		if sp.Rotate && p.opts.Layers {
			return fmt.Errorf("--secret %s: rotate= applies to the default mode's build cache; --layers steps are keyed by buildah, without secret values", sp.ID)
		}
	}
	// Last: the cache key covers the options above.
	return p.applyCache(opts)
}

// buildContext reads one --build-context NAME=VALUE.
func buildContext(name, value string) (*define.AdditionalBuildContext, error) {
	if name == "" {
		return nil, fmt.Errorf("--build-context: empty name")
	}
	if strings.HasPrefix(value, "http://") || strings.HasPrefix(value, "https://") {
		return nil, fmt.Errorf("--build-context %s: URL contexts are not supported; use a directory or docker-image://REF", name)
	}
	if strings.HasPrefix(value, "oci-layout://") || strings.HasPrefix(value, "target:") {
		return nil, fmt.Errorf("--build-context %s: %s contexts are not supported; use a directory or docker-image://REF", name, strings.SplitN(value, ":", 2)[0])
	}
	c, err := bparse.GetAdditionalBuildContext(value)
	if err != nil {
		return nil, fmt.Errorf("--build-context %s: %w", name, err)
	}
	if !c.IsImage {
		if fi, err := os.Stat(c.Value); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("--build-context %s: %s is not a directory", name, value)
		}
	}
	return &c, nil
}

// addHost takes docker's HOST:IP or HOST=IP (needed for IPv6) and returns
// buildah's HOST:IP.
func addHost(s string) (string, error) {
	host, ip, ok := strings.Cut(s, "=")
	if !ok {
		host, ip, ok = strings.Cut(s, ":")
	}
	if !ok || host == "" || strings.ContainsAny(host, " \t") {
		return "", fmt.Errorf("--add-host %q: want HOST:IP", s)
	}
	if ip != "host-gateway" && net.ParseIP(ip) == nil {
		return "", fmt.Errorf("--add-host %q: %q is not an IP address", s, ip)
	}
	return host + ":" + ip, nil
}

// mergeUlimits puts the user's limits over the defaults, one per name.
func mergeUlimits(defaults, user []string) ([]string, error) {
	byName := map[string]string{}
	var order []string
	set := func(l string) {
		name, _, _ := strings.Cut(l, "=")
		if _, ok := byName[name]; !ok {
			order = append(order, name)
		}
		byName[name] = l
	}
	for _, l := range defaults {
		set(l)
	}
	for _, l := range user {
		if _, err := units.ParseUlimit(l); err != nil {
			return nil, fmt.Errorf("--ulimit %q: %w", l, err)
		}
		set(l)
	}
	out := make([]string, 0, len(order))
	for _, n := range order {
		out = append(out, byName[n])
	}
	return out, nil
}

// dockerNames are the tags as docker names them (app:v1 is
// docker.io/library/app:v1, shown by docker as app:v1), not as podman does
// (localhost/app:v1): a tool that asked for app:v1 looks it up in the daemon
// under docker's name.
func dockerNames(tags []string) ([]reference.NamedTagged, error) {
	var out []reference.NamedTagged
	for _, t := range tags {
		named, err := reference.ParseNormalizedNamed(t)
		if err != nil {
			return nil, fmt.Errorf("tag %q: %w", t, err)
		}
		nt, ok := reference.TagNameOnly(named).(reference.NamedTagged)
		if !ok {
			return nil, fmt.Errorf("--load: tag %q is not a name:tag", t)
		}
		out = append(out, nt)
	}
	return out, nil
}
