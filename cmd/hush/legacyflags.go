package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hushbuild/hush/builder"
)

// legacyFlags are the `docker build` flags older CI scripts still pass.
// Those whose effect hush already has, or that do not apply to a builder
// without a daemon, are accepted so a script moves over unchanged; the
// resource limits, which hush does not set, are accepted with a one-line
// note rather than silently. docs/docker-flags.md lists each.
type legacyFlags struct {
	rm, forceRm, compress, contentTrust, squash bool
	memory, memorySwap, cpusetCpus, cpusetMems  string
	cgroupParent                                string
	cpuShares, cpuPeriod, cpuQuota              int64
	securityOpt                                 []string
	notes                                       []string
}

func (l *legacyFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&l.rm, "rm", true, "docker build's: hush always removes its build containers")
	f.BoolVar(&l.forceRm, "force-rm", false, "docker build's: hush always removes its build containers, also after a failure")
	f.BoolVar(&l.compress, "compress", false, "docker build's: no effect, the context is never sent to a daemon")
	f.BoolVar(&l.contentTrust, "disable-content-trust", true, "docker build's: no effect, hush does not verify Notary signatures")
	f.BoolVar(&l.squash, "squash", false, "docker build's: the default mode already commits one layer per stage (not with --layers)")
	f.StringVarP(&l.memory, "memory", "m", "", "docker build's: accepted, not applied (hush sets no memory limit on RUN steps)")
	f.StringVar(&l.memorySwap, "memory-swap", "", "docker build's: accepted, not applied")
	f.Int64VarP(&l.cpuShares, "cpu-shares", "c", 0, "docker build's: accepted, not applied")
	f.Int64Var(&l.cpuPeriod, "cpu-period", 0, "docker build's: accepted, not applied")
	f.Int64Var(&l.cpuQuota, "cpu-quota", 0, "docker build's: accepted, not applied")
	f.StringVar(&l.cpusetCpus, "cpuset-cpus", "", "docker build's: accepted, not applied")
	f.StringVar(&l.cpusetMems, "cpuset-mems", "", "docker build's: accepted, not applied")
	f.StringVar(&l.cgroupParent, "cgroup-parent", "", "docker build's: accepted, not applied")
	f.StringArrayVar(&l.securityOpt, "security-opt", nil, "docker build's: accepted, not applied (RUN steps get hush's isolation)")
	// Out of --help, which lists what hush does; docs/docker-flags.md
	// lists these.
	for _, name := range []string{"rm", "force-rm", "compress", "disable-content-trust", "squash", "memory", "memory-swap",
		"cpu-shares", "cpu-period", "cpu-quota", "cpuset-cpus", "cpuset-mems", "cgroup-parent", "security-opt"} {
		_ = f.MarkHidden(name)
	}
}

// apply checks the legacy flags and the docker spellings of --progress
// against the rest, and notes what is accepted without effect.
func (l *legacyFlags) apply(o *buildOptions, opts *builder.Options) error {
	if l.squash && o.layers {
		return fmt.Errorf("--squash with --layers: drop --layers (the default mode commits one clean layer per stage)")
	}
	var ignored []string
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"memory", l.memory != ""}, {"memory-swap", l.memorySwap != ""}, {"cpu-shares", l.cpuShares != 0},
		{"cpu-period", l.cpuPeriod != 0}, {"cpu-quota", l.cpuQuota != 0}, {"cpuset-cpus", l.cpusetCpus != ""},
		{"cpuset-mems", l.cpusetMems != ""}, {"cgroup-parent", l.cgroupParent != ""}, {"security-opt", len(l.securityOpt) > 0},
	} {
		if f.set {
			ignored = append(ignored, "--"+f.name)
		}
	}
	if len(ignored) > 0 {
		l.notes = append(l.notes, fmt.Sprintf("hush: %s accepted but not applied: hush sets no resource limits or security options on RUN steps", strings.Join(ignored, ", ")))
	}
	if o.progress == "" {
		o.progress = os.Getenv("BUILDKIT_PROGRESS") // as buildx
	}
	switch o.progress {
	case "", "auto", "tty", "plain":
		// hush prints plain lines; there is no terminal display.
		o.progress = "plain"
	case "json":
	case "quiet":
		o.progress, o.quiet, opts.Quiet = "plain", true, true
	default:
		return fmt.Errorf("--progress %q: want plain, json, quiet, auto or tty", o.progress)
	}
	return nil
}

// pullFlag is --pull as docker (a bool) and podman/buildah
// (always|missing|never|newer) spell it: CI scripts use both.
type pullFlag struct{ v *bool }

func (p pullFlag) String() string {
	if p.v != nil && *p.v {
		return "true"
	}
	return "false"
}

func (p pullFlag) Set(s string) error {
	switch strings.ToLower(s) {
	case "true", "always", "newer":
		*p.v = true
	case "false", "missing":
		*p.v = false
	case "never":
		return fmt.Errorf("never is not supported: hush pulls a base image that is missing")
	default:
		return fmt.Errorf("want true, false, always, missing or newer")
	}
	return nil
}

func (pullFlag) Type() string     { return "bool" }
func (pullFlag) IsBoolFlag() bool { return true }
