package stagecache

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/openshift/imagebuilder/dockerfile/parser"
	"go.podman.io/storage"
)

// runStage builds stage i with buildah: the Dockerfile with the stages in
// done reduced to `FROM <id>`, through stage i. A stage other than the
// target is built as the target would be built without the options only
// the last stage gets (labels, annotations), so its image is the one a
// whole build makes for it.
func (p *Cache) runStage(ctx context.Context, store storage.Store, r Runner, plan *dfPlan, done map[int]string, i int) (string, error) {
	if err := p.pullFor(ctx, store, p.stageImages(plan, i, p.cfg.BuildContexts)); err != nil {
		return "", err
	}
	if len(done) == 0 && i == len(plan.stages)-1 {
		return r.Run(ctx, store)
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
	st := Stage{Dockerfile: f.Name(), Args: keepDeclaredArgs(p.cfg.Args, plan, df)}
	// buildah looks for DOCKERFILE.dockerignore beside the Dockerfile it
	// is given: the original's applies (stagekey.go keys by it too).
	if _, path, err := buildIgnore(p.cfg.ContextDir, p.cfg.Dockerfile); err == nil {
		st.IgnoreFile = path
	}
	if i != len(plan.stages)-1 {
		st.Target = plan.stages[i].name
	}
	return r.RunStage(ctx, store, st)
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
