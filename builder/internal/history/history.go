// Package history owns the image history hush writes: one entry per
// Dockerfile instruction, created_by as `docker build` (docker 20.10's
// builder) writes it, empty_layer set on the instructions that change only
// the config, and exactly one non-empty entry per layer the stage added.
// The buildah path (builder) and container mode both build a stage's
// entries here, so the two write the same history.
//
// It reads imagebuilder's evaluation of the Dockerfile (the evaluator
// buildah and container mode run) and must not import builder, the guard,
// the caches, container mode or secrets.
package history

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/openshift/imagebuilder"
)

// Entry is one instruction's history entry before it is dated.
type Entry struct {
	CreatedBy string
	// Layered: the instruction writes files (RUN, COPY, ADD), so its entry
	// is the one that carries a layer when the stage commits one per
	// instruction, or the last of them when it commits one per stage.
	// WORKDIR counts as config only, as buildah and BuildKit do: its
	// directory goes into the next layer.
	Layered bool
}

// Stage collects a stage's entries as its instructions are evaluated.
// The zero value is ready; one Stage per stage.
type Stage struct {
	entries  []Entry
	declared map[string]bool // ARG names this stage declared: docker's "referenced" args
}

// Add records step, resolved (imagebuilder.Step.Resolve) and evaluated
// (imagebuilder.Builder.Run) by b. content is a COPY or ADD's source
// summary as docker writes it ("file:<hex>", "dir:<hex>" or
// "multi:<hex>"); other instructions ignore it.
func (s *Stage) Add(b *imagebuilder.Builder, step *imagebuilder.Step, content string) {
	cmd := strings.ToLower(step.Command)
	if cmd == "arg" {
		if s.declared == nil {
			s.declared = map[string]bool{}
		}
		for _, a := range step.Args {
			name, _, _ := strings.Cut(a, "=")
			s.declared[name] = true
		}
	}
	s.entries = append(s.entries, Entry{CreatedBy: s.createdBy(b, step, content), Layered: Layered(cmd)})
}

// Entries returns what Add recorded, one per instruction.
func (s *Stage) Entries() []Entry { return slices.Clone(s.entries) }

// Layered tells whether an instruction (any case) writes files.
func Layered(command string) bool {
	switch strings.ToLower(command) {
	case "run", "copy", "add":
		return true
	}
	return false
}

// History dates the entries and marks which carry the layers the stage
// added: layers == the number of layered entries (one layer per
// instruction), 1 (one per stage: the last layered entry carries it) or 0.
// comment goes on the first entry: the mark by which the guard finds where
// a stage's layers begin (buildah's "FROM <base>").
func History(entries []Entry, layers int, created time.Time, comment string) ([]v1.History, error) {
	layered := 0
	last := -1
	for i, e := range entries {
		if e.Layered {
			layered++
			last = i
		}
	}
	if layers != 0 && layers != 1 && layers != layered || layers > layered {
		return nil, fmt.Errorf("history: %d layers for %d instructions that write files", layers, layered)
	}
	out := make([]v1.History, len(entries))
	for i, e := range entries {
		t := created
		out[i] = v1.History{Created: &t, CreatedBy: e.CreatedBy, EmptyLayer: true}
		switch {
		case layers == layered && e.Layered:
			out[i].EmptyLayer = false
		case layers == 1 && i == last:
			out[i].EmptyLayer = false
		}
	}
	if len(out) > 0 {
		out[0].Comment = comment
	}
	return out, nil
}

// createdBy is docker's created_by for step: RUN as the command run
// (the shell's words and the command line, or the exec form's words),
// after "|N K=V ..." when build args apply; every other instruction as
// "<shell> #(nop) " and its normalized, expanded text.
func (s *Stage) createdBy(b *imagebuilder.Builder, step *imagebuilder.Step, content string) string {
	cmd := strings.ToLower(step.Command)
	shell := strings.Join(shellOf(b), " ")
	nop := shell + " #(nop)  " // docker: the shell, "#(nop) " and the comment as two words
	switch cmd {
	case "run":
		words := step.Args
		if !step.Attrs["json"] {
			words = append(shellOf(b), strings.Join(step.Args, " "))
		}
		return s.buildArgs(b) + strings.Join(words, " ")
	case "copy", "add":
		// docker writes these as one word after the shell, with a space
		// after the destination and no space after --chown's value.
		chown := ""
		for _, f := range step.Flags {
			if v, ok := strings.CutPrefix(f, "--chown="); ok {
				chown = "--chown=" + expand(b, v)
			}
		}
		dest := ""
		if len(step.Args) > 0 {
			dest = step.Args[len(step.Args)-1]
		}
		return fmt.Sprintf("%s #(nop) %s %s%s in %s ", shell, strings.ToUpper(cmd), chown, content, dest)
	case "workdir":
		// docker keeps an absolute path as written ("/tmp/"), and joins
		// a relative one to the current directory as imagebuilder does.
		dir := b.RunConfig.WorkingDir
		if len(step.Args) == 1 && strings.HasPrefix(step.Args[0], "/") {
			dir = step.Args[0]
		}
		return shell + " #(nop) WORKDIR " + dir
	case "env", "label":
		var kv []string
		for i := 0; i+1 < len(step.Args); i += 2 {
			kv = append(kv, step.Args[i]+"="+step.Args[i+1])
		}
		return nop + strings.ToUpper(cmd) + " " + strings.Join(kv, " ")
	case "cmd", "entrypoint":
		words := step.Args
		if !step.Attrs["json"] {
			words = append(shellOf(b), strings.Join(step.Args, " "))
		}
		return nop + fmt.Sprintf("%s %q", strings.ToUpper(cmd), words)
	case "shell":
		return nop + fmt.Sprintf("SHELL %v", step.Args)
	case "healthcheck":
		return nop + healthcheck(b)
	case "volume":
		return nop + "VOLUME " + fmt.Sprintf("%v", step.Args)
	case "expose":
		ports := slices.Clone(step.Args)
		sort.Strings(ports) // docker's parser sorts them
		return nop + "EXPOSE " + strings.Join(ports, " ")
	case "onbuild":
		return nop + "ONBUILD " + onbuildExpr(step.Original)
	case "arg":
		return nop + "ARG " + strings.Join(step.Args, " ")
	default: // USER, STOPSIGNAL, MAINTAINER
		return nop + strings.ToUpper(cmd) + " " + strings.Join(step.Args, " ")
	}
}

// shellOf is the shell in effect: SHELL's, else /bin/sh -c.
func shellOf(b *imagebuilder.Builder) []string {
	if len(b.RunConfig.Shell) > 0 {
		return slices.Clone([]string(b.RunConfig.Shell))
	}
	return []string{"/bin/sh", "-c"}
}

// proxyArgs are docker's predefined args: in the history only when the
// stage declares them with ARG.
var proxyArgs = map[string]bool{
	"HTTP_PROXY": true, "http_proxy": true, "HTTPS_PROXY": true, "https_proxy": true,
	"FTP_PROXY": true, "ftp_proxy": true, "NO_PROXY": true, "no_proxy": true,
	"ALL_PROXY": true, "all_proxy": true,
}

// buildArgs is docker's prefix for a RUN when the stage has build args
// with values that ENV does not override: "|N K=V ... " sorted; "" when
// there are none. A predefined proxy arg the stage did not declare counts
// for whether there is a prefix but is left out of it, as docker does.
func (s *Stage) buildArgs(b *imagebuilder.Builder) string {
	// imagebuilder keeps the base's and the stage's ENV in b.Env.
	env := map[string]bool{}
	for _, e := range append(slices.Clone(b.Env), b.RunConfig.Env...) {
		k, _, _ := strings.Cut(e, "=")
		env[k] = true
	}
	any := false
	var kv []string
	// docker's allowed args are the ones the stage declared (imagebuilder
	// also lets a stage inherit its FROM stage's) and the proxy args.
	for k, v := range b.Args {
		_, given := b.UserArgs[k]
		if !s.declared[k] && !(proxyArgs[k] && given) || env[k] {
			continue
		}
		any = true
		if proxyArgs[k] && !s.declared[k] {
			continue
		}
		kv = append(kv, k+"="+v)
	}
	if !any {
		return ""
	}
	sort.Strings(kv)
	return strings.Join(append([]string{fmt.Sprintf("|%d", len(kv))}, kv...), " ") + " "
}

// healthConfig is docker 20.10's container.HealthConfig, field for
// field: docker writes HEALTHCHECK's history as %q of it.
type healthConfig struct {
	Test        []string
	Interval    time.Duration
	Timeout     time.Duration
	StartPeriod time.Duration
	Retries     int
}

func healthcheck(b *imagebuilder.Builder) string {
	h := b.RunConfig.Healthcheck
	if h == nil {
		return "HEALTHCHECK"
	}
	return fmt.Sprintf("HEALTHCHECK %q", &healthConfig{
		Test: h.Test, Interval: h.Interval, Timeout: h.Timeout, StartPeriod: h.StartPeriod, Retries: h.Retries,
	})
}

// onbuildExpr is ONBUILD's trigger as written.
func onbuildExpr(original string) string {
	t := strings.TrimSpace(original)
	if len(t) >= 7 && strings.EqualFold(t[:7], "onbuild") {
		t = strings.TrimSpace(t[7:])
	}
	return t
}

// expand resolves $VAR in a COPY/ADD flag's value as the instruction's
// other words were.
func expand(b *imagebuilder.Builder, v string) string {
	args := []string{}
	for k, val := range b.Args {
		if b.AllowedArgs[k] {
			args = append(args, k+"="+val)
		}
	}
	out, err := imagebuilder.ProcessWord(v, append(args, b.Env...))
	if err != nil {
		return v
	}
	return out
}
