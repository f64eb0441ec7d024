package cmode

import (
	"testing"
	"time"
)

// TestHistoryPerInstruction: one entry per instruction, the layer on the
// last one that writes files, the others empty, the first marked with
// the stage's base for the guard.
func TestHistoryPerInstruction(t *testing.T) {
	now := time.Now()
	s := stageImage{steps: []historyStep{
		stepHistory("ENV", "ENV A=1"),
		stepHistory("RUN", "RUN make"),
		stepHistory("COPY", "COPY a /a"),
		stepHistory("CMD", `CMD ["/a"]`),
	}}
	h := s.history("busybox", &now)
	if len(h) != 4 {
		t.Fatalf("%d entries, want 4", len(h))
	}
	for i, want := range []struct {
		by    string
		empty bool
	}{
		{"/bin/sh -c #(nop) ENV A=1", true},
		{"RUN make", true},
		{"/bin/sh -c #(nop) COPY a /a", false},
		{`/bin/sh -c #(nop) CMD ["/a"]`, true},
	} {
		if h[i].CreatedBy != want.by || h[i].EmptyLayer != want.empty {
			t.Errorf("entry %d: %q empty=%v, want %q empty=%v", i, h[i].CreatedBy, h[i].EmptyLayer, want.by, want.empty)
		}
	}
	if h[0].Comment != "FROM busybox" {
		t.Errorf("first entry's comment %q, want FROM busybox", h[0].Comment)
	}
	// No instruction writes files: the layer is the last entry's.
	h = stageImage{steps: []historyStep{stepHistory("ENV", "ENV A=1"), stepHistory("USER", "USER 1")}}.history("x", &now)
	if h[0].EmptyLayer != true || h[1].EmptyLayer != false {
		t.Errorf("metadata-only stage: %+v", h)
	}
	// FROM alone: one entry, the layer's.
	if h = (stageImage{}).history("x", &now); len(h) != 1 || h[0].EmptyLayer {
		t.Errorf("FROM-only stage: %+v", h)
	}
}
