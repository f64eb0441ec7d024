package cmode

import (
	"strings"
	"time"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// historyStep is one instruction's history entry. The stage's one layer
// belongs to its last instruction that can write files (RUN, COPY, ADD;
// the last instruction if none can), every other entry is an empty layer,
// so the history still has one entry per layer that is not empty.
type historyStep struct {
	createdBy string
	writes    bool // RUN, COPY or ADD
}

// stepHistory is the entry docker's classic builder writes for an
// instruction: a RUN as its line, the rest as #(nop).
func stepHistory(command, original string) historyStep {
	switch strings.ToLower(command) {
	case "run":
		return historyStep{createdBy: original, writes: true}
	case "copy", "add":
		return historyStep{createdBy: "/bin/sh -c #(nop) " + original, writes: true}
	}
	return historyStep{createdBy: "/bin/sh -c #(nop) " + original}
}

// history is the stage's new history entries, the first carrying buildah's
// "FROM base" mark (the guard finds where the build's layers begin there).
func (s stageImage) history(base string, created *time.Time) []v1.History {
	steps := s.steps
	if len(steps) == 0 {
		steps = []historyStep{{}}
	}
	layer := len(steps) - 1
	for i := len(steps) - 1; i >= 0; i-- {
		if steps[i].writes {
			layer = i
			break
		}
	}
	out := make([]v1.History, len(steps))
	for i, st := range steps {
		out[i] = v1.History{Created: created, CreatedBy: st.createdBy, EmptyLayer: i != layer}
	}
	out[0].Comment = "FROM " + base
	return out
}
