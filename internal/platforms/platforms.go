// Package platforms owns what a multi-platform build needs besides the
// builds themselves: reading --platform's list, running one build per
// platform at most n at a time (a refusal or error of one stops the rest),
// and whether this machine can run a platform's binaries (natively or
// through qemu-user registered in binfmt_misc), for RUN and hush doctor.
//
// It must not import builder, nor any build subsystem, secrets or audit:
// a build is a function it calls.
package platforms

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/containerd/platforms"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// Platform is one target, normalized as BuildKit writes it
// (linux/arm64, linux/arm/v7, linux/amd64).
type Platform struct{ OS, Arch, Variant string }

func (p Platform) String() string {
	s := p.OS + "/" + p.Arch
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// Host is the platform hush runs on.
func Host() Platform {
	return from(platforms.Normalize(platforms.DefaultSpec()))
}

func from(s v1.Platform) Platform {
	p := Platform{OS: s.OS, Arch: s.Architecture, Variant: s.Variant}
	if p.Arch == "arm64" && p.Variant == "v8" {
		p.Variant = "" // BuildKit's linux/arm64, as registries list it
	}
	return p
}

// Parse reads docker's --platform value: os/arch[/variant] items, comma
// separated (or repeated flags joined with commas). "local" is the host.
// Duplicates after normalizing are an error naming the item.
func Parse(list string) ([]Platform, error) {
	var out []Platform
	seen := map[string]string{}
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			return nil, fmt.Errorf("%q: empty platform in the list", list)
		}
		var p Platform
		if item == "local" {
			p = Host()
		} else {
			// containerd's parser takes "linux/" or "/arm64" as defaults:
			// every part must be there.
			for _, part := range strings.Split(item, "/") {
				if part == "" {
					return nil, fmt.Errorf("%q: want os/arch[/variant]", item)
				}
			}
			if !strings.Contains(item, "/") {
				return nil, fmt.Errorf("%q: want os/arch[/variant]", item)
			}
			spec, err := platforms.Parse(item)
			if err != nil {
				return nil, fmt.Errorf("%q: %w", item, err)
			}
			p = from(platforms.Normalize(spec))
		}
		if prev, dup := seen[p.String()]; dup {
			return nil, fmt.Errorf("%q and %q are the same platform", prev, item)
		}
		seen[p.String()] = item
		out = append(out, p)
	}
	return out, nil
}

// DefaultParallel is how many platforms build at once by default: one.
// Measured on 2 cores (docs/platforms.md), two at once took 0.72 of the
// time of one at a time; but the platforms share one store, and each
// one's guard scans (and on a finding removes) every image new in it,
// its siblings' too, so a refusal can surface as a sibling's failed
// step (exit 1, not 3; nothing is published either way). Until the guard
// is told which images are its build's, more at once is opt-in.
func DefaultParallel(n int) int {
	return min(1, n)
}

// Job builds platform i.
type Job func(ctx context.Context, i int, p Platform) error

// Run runs job for every platform, at most parallel at once, in order of
// the list. The first error cancels the jobs still running or waiting
// and is returned; the others' errors, a consequence, are dropped.
func Run(ctx context.Context, plats []Platform, parallel int, job Job) error {
	if parallel < 1 {
		parallel = 1
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for i, p := range plats {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := job(ctx, i, p); err != nil {
				once.Do(func() { first = err; cancel(err) })
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}
