package builder

import (
	"context"

	"github.com/hushbuild/hush/builder/internal/publish"
	"go.podman.io/storage"
)

// toPublish is outs in publish's terms (builder/internal/publish holds the
// one table of output types).
func toPublish(outs []Output) []publish.Output {
	res := make([]publish.Output, len(outs))
	for i, o := range outs {
		res[i] = publish.Output{Type: string(o.Type), Dest: o.Dest, Names: o.names}
	}
	return res
}

// checkOutputs validates -o destinations before the build starts, so a typo
// costs nothing. It returns them with absolute paths, in a new slice: the
// caller's Options keep what it wrote.
func checkOutputs(outs []Output, tags []string) ([]Output, error) {
	checked, err := publish.Check(toPublish(outs), tags)
	if err != nil {
		return nil, err
	}
	res := make([]Output, len(checked))
	for i, o := range checked {
		res[i] = Output{Type: OutputType(o.Type), Dest: o.Dest, names: o.Names}
	}
	return res, nil
}

// finish publishes the image the guard passed: exports, then the local
// tags, then registry pushes. On error the image's names are as they were
// and an image of this build's is gone, so nothing is left under the tags.
func (p *plan) finish(ctx context.Context, store storage.Store, id string) (*Result, error) {
	t := publish.Target{Store: store, ID: id, Tags: p.tags, Sys: p.sys, Report: p.opts.ReportWriter, Record: p.recordTemp,
		Attach: p.attacher(p.guardRep)}
	pub, err := publish.Publish(ctx, t, toPublish(p.outputs))
	if err != nil {
		return nil, err
	}
	return &Result{ImageID: pub.ImageID, Digest: pub.Digest, Tags: p.tags}, nil
}
