package history

import (
	"fmt"
	"strings"

	docker "github.com/fsouza/go-dockerclient"
	"github.com/openshift/imagebuilder"
)

// Evaluation is a Dockerfile's stages evaluated without running anything.
type Evaluation struct {
	// Stages holds each stage's entries, one per instruction (ONBUILD
	// triggers of its base first, as the builders run them).
	Stages [][]Entry
	// From is each stage's base: an earlier stage's index, or -1 for an
	// image (or scratch).
	From []int
}

// Base returns the config of the image a stage starts from (FROM's
// resolved name); nil for scratch.
type Base func(name string) (*docker.Image, error)

// Content returns the source summary buildah recorded for stage's
// instruction i (a COPY or ADD), "" when it has none.
type Content func(stage, i int) string

// Request is what Evaluate reads.
type Request struct {
	Dockerfile string
	Args       map[string]string // --build-arg
	Target     string            // --target; "" for the last stage
	Base       Base
	Content    Content // nil: no summaries
}

// Evaluate evaluates the Dockerfile with its args as imagebuilder does for
// a build, running no step, and returns the entries of every stage through
// the target.
func Evaluate(r Request) (*Evaluation, error) {
	node, err := imagebuilder.ParseFile(r.Dockerfile)
	if err != nil {
		return nil, err
	}
	stages, err := imagebuilder.NewStages(node, imagebuilder.NewBuilder(r.Args))
	if err != nil {
		return nil, err
	}
	if r.Target != "" {
		var ok bool
		if stages, ok = stages.ThroughTarget(r.Target); !ok {
			return nil, fmt.Errorf("--target %q: no such stage", r.Target)
		}
	}
	content := r.Content
	if content == nil {
		content = func(int, int) string { return "" }
	}
	ev := &Evaluation{}
	configs := make([]*docker.Config, len(stages))
	for i, st := range stages {
		ib := st.Builder
		from, err := ib.From(st.Node)
		if err != nil {
			return nil, fmt.Errorf("stage %d: %w", i+1, err)
		}
		img := &docker.Image{Config: &docker.Config{}}
		k := stageIndex(stages[:i], from)
		switch {
		case k >= 0:
			img = &docker.Image{Config: configs[k]}
		case from != "scratch":
			b, err := r.Base(from)
			if err != nil {
				return nil, fmt.Errorf("stage %d: %s: %w", i+1, from, err)
			}
			if b != nil && b.Config != nil {
				img = b
			}
		}
		ev.From = append(ev.From, k)
		if err := ib.FromImage(img, st.Node); err != nil {
			return nil, fmt.Errorf("stage %d: %w", i+1, err)
		}
		ib.RunConfig.Image = from // RUN wants a base named
		var s Stage
		for j, child := range st.Node.Children {
			step := ib.Step()
			if err := step.Resolve(child); err != nil {
				return nil, fmt.Errorf("%s: %w", child.Original, err)
			}
			if err := ib.Run(step, imagebuilder.NoopExecutor, false); err != nil {
				return nil, fmt.Errorf("%s: %w", child.Original, err)
			}
			s.Add(ib, step, content(i, j))
		}
		cfg := ib.Config()
		cfg.Env = mergeEnv(ib.Env, ib.RunConfig.Env)
		configs[i] = cfg
		ev.Stages = append(ev.Stages, s.Entries())
	}
	return ev, nil
}

// Chain is the stages the final image's history holds, the one from an
// image first: stage n's FROM stage's FROM stage ... and n.
func (ev *Evaluation) Chain() []int {
	var chain []int
	for i := len(ev.Stages) - 1; i >= 0; i = ev.From[i] {
		chain = append([]int{i}, chain...)
	}
	return chain
}

func stageIndex(stages imagebuilder.Stages, name string) int {
	for i, st := range stages {
		if st.Name == name || fmt.Sprint(st.Position) == name {
			return i
		}
	}
	return -1
}

// mergeEnv is imagebuilder's: later values replace earlier ones by name.
func mergeEnv(a, b []string) []string {
	out := append([]string(nil), a...)
	for _, kv := range b {
		k, _, _ := strings.Cut(kv, "=")
		found := false
		for i, o := range out {
			if ok, _, _ := strings.Cut(o, "="); ok == k {
				out[i], found = kv, true
				break
			}
		}
		if !found {
			out = append(out, kv)
		}
	}
	return out
}
