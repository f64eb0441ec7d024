package builder

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/openshift/imagebuilder/dockerfile/parser"
	"go.podman.io/buildah/define"
	"go.podman.io/storage"
)

// runStage builds stage i with buildah: the Dockerfile with the stages in
// done reduced to `FROM <id>`, through stage i. A stage other than the
// target is built as the target would be built without the options only
// the last stage gets (labels, annotations), so its image is the one a
// whole build makes for it.
func (p *plan) runStage(ctx context.Context, store storage.Store, plan *dfPlan, done map[int]string, i int) (string, error) {
	if err := p.pullFor(ctx, store, p.stageImages(plan, i, p.cache.stage.o.BuildContexts)); err != nil {
		return "", err
	}
	if len(done) == 0 && i == len(plan.stages)-1 {
		return p.run(ctx, store)
	}
	df := plan.rewrite(done)
	f, err := os.CreateTemp("", "hush-dockerfile-")
	if err != nil {
		return "", fmt.Errorf("writing the stage's Dockerfile: %w", err)
	}
	defer os.Remove(f.Name())
	_, err = f.Write(df)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("writing the stage's Dockerfile: %w", err)
	}
	saved, savedDF := p.opts, p.dockerfile
	defer func() { p.opts, p.dockerfile = saved, savedDF }()
	if p.opts.IgnoreFile == "" {
		// buildah looks for DOCKERFILE.dockerignore beside the Dockerfile
		// it is given: keep the original's (stagekey.go keys by it too).
		if _, path, err := buildIgnore(p.opts.ContextDirectory, savedDF); err == nil {
			p.opts.IgnoreFile = path
		}
	}
	p.dockerfile = f.Name()
	p.opts.Args = keepDeclaredArgs(p.opts.Args, plan, df)
	if p.opts.PullPolicy == define.PullAlways {
		// The keys pulled every base already; buildah refuses to pull
		// the `FROM <id>` of a reduced stage.
		p.opts.PullPolicy = define.PullIfMissing
	}
	if i != len(plan.stages)-1 {
		st := plan.stages[i]
		p.opts.Target = st.name
		p.opts.Labels, p.opts.Annotations = nil, nil
	}
	return p.run(ctx, store)
}

// keepDeclaredArgs drops the build args only reduced stages declared, so
// buildah does not warn that they were not consumed.
func keepDeclaredArgs(args map[string]string, plan *dfPlan, rewritten []byte) map[string]string {
	declared := func(df []byte) map[string]bool {
		out := map[string]bool{}
		res, err := parser.Parse(bytes.NewReader(df))
		if err != nil {
			return nil
		}
		for _, c := range res.AST.Children {
			if c.Value == "arg" {
				for _, w := range nodeWords(c) {
					n, _, _ := strings.Cut(w, "=")
					out[n] = true
				}
			}
		}
		return out
	}
	orig := declared([]byte(strings.Join(plan.lines, "\n")))
	now := declared(rewritten)
	out := map[string]string{}
	for k, v := range args {
		if !orig[k] || now[k] {
			out[k] = v
		}
	}
	return out
}
