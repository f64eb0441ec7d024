// Package dockerflags translates the `docker buildx build` options that CI
// pipelines pass (named build contexts, --add-host, --ulimit, --shm-size,
// --annotation, --no-cache-filter, --load's tag names) into buildah's
// build options, refusing what hush cannot honour with a one-line error
// that names the option.
//
// It owns that translation only. It must not import builder or any other
// builder subsystem, secrets, audit or the CLI: the builder hands it the
// flags' values and buildah's options to fill in.
package dockerflags

import (
	"fmt"
	"io"
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

// Flags are the docker options Apply translates; zero values change
// nothing.
type Flags struct {
	BuildContexts map[string]string // NAME -> a directory or docker-image://REF
	AddHosts      []string          // HOST:IP or HOST=IP
	Ulimits       []string          // NAME=SOFT[:HARD], over the defaults in o
	ShmSize       string            // e.g. 64m
	Annotations   []string          // KEY=VALUE, manifest annotations only
	NoCacheFilter []string          // stage names
}

// Apply checks f and sets it on o; warn gets one line when a flag is
// honoured more broadly than asked.
func Apply(f Flags, o *define.BuildOptions, warn io.Writer) error {
	if len(f.BuildContexts) > 0 {
		o.AdditionalBuildContexts = map[string]*define.AdditionalBuildContext{}
		names := make([]string, 0, len(f.BuildContexts))
		for n := range f.BuildContexts {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			c, err := buildContext(n, f.BuildContexts[n])
			if err != nil {
				return err
			}
			o.AdditionalBuildContexts[n] = c
		}
	}
	for _, h := range f.AddHosts {
		line, err := addHost(h)
		if err != nil {
			return err
		}
		o.CommonBuildOpts.AddHost = append(o.CommonBuildOpts.AddHost, line)
	}
	ul, err := mergeUlimits(o.CommonBuildOpts.Ulimit, f.Ulimits)
	if err != nil {
		return err
	}
	o.CommonBuildOpts.Ulimit = ul
	if f.ShmSize != "" {
		n, err := units.RAMInBytes(f.ShmSize)
		if err != nil || n <= 0 {
			return fmt.Errorf("--shm-size %q: want a size such as 64m or 1g", f.ShmSize)
		}
		o.CommonBuildOpts.ShmSize = strconv.FormatInt(n, 10)
	}
	for _, a := range f.Annotations {
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
		o.Annotations = append(o.Annotations, a)
	}
	for _, s := range f.NoCacheFilter {
		if s == "" {
			return fmt.Errorf("--no-cache-filter: empty stage name")
		}
	}
	if len(f.NoCacheFilter) > 0 && o.Layers && !o.NoCache {
		// buildah caches per build, not per stage: not using the cache for
		// any stage is the only way to honour the filter exactly.
		fmt.Fprintf(warn, "hush: --no-cache-filter with --layers: no stage is taken from the cache\n")
		o.NoCache = true
	}
	return nil
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

// DockerNames are the tags as docker names them (app:v1 is
// docker.io/library/app:v1, shown by docker as app:v1), not as podman does
// (localhost/app:v1): a tool that asked for app:v1 looks it up in the daemon
// under docker's name.
func DockerNames(tags []string) ([]reference.NamedTagged, error) {
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
