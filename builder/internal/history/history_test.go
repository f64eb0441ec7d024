package history

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	docker "github.com/fsouza/go-dockerclient"
)

// TestDockerCreatedBy pins created_by to the strings docker 20.10's
// builder writes for the same instructions (tests/history_test.go
// compares with a real docker build where an engine is available).
func TestDockerCreatedBy(t *testing.T) {
	df := `ARG BASE=busybox
FROM $BASE AS one
ARG V=1
ENV A=x B="y z"
ENV C $A
LABEL "k k"="v v" k2=v2
WORKDIR /app/
WORKDIR sub
RUN echo "$V" > f
RUN ["sh", "-c", "true"]
COPY --chown=1:2 a /dst/
EXPOSE 80 443/udp
USER 1000
VOLUME /data
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=5s CMD true
ONBUILD RUN echo later
SHELL ["/bin/bash", "-c"]
RUN echo bash
CMD echo hi
ENTRYPOINT ["/bin/sh"]
FROM one
ENV V=2
ARG V
RUN true
`
	want := [][]string{{
		`/bin/sh -c #(nop)  ARG V=1`,
		`/bin/sh -c #(nop)  ENV A=x B=y z`,
		`/bin/sh -c #(nop)  ENV C=x`,
		`/bin/sh -c #(nop)  LABEL k k=v v k2=v2`,
		`/bin/sh -c #(nop) WORKDIR /app/`, // docker keeps the slash
		`/bin/sh -c #(nop) WORKDIR /app/sub`,
		`|1 V=1 /bin/sh -c echo "$V" > f`,
		`|1 V=1 sh -c true`,
		`/bin/sh -c #(nop) COPY --chown=1:2file:abc in /dst/ `,
		`/bin/sh -c #(nop)  EXPOSE 443/udp 80`, // sorted, as docker's parser does
		`/bin/sh -c #(nop)  USER 1000`,
		`/bin/sh -c #(nop)  VOLUME [/data]`,
		`/bin/sh -c #(nop)  STOPSIGNAL SIGTERM`,
		`/bin/sh -c #(nop)  HEALTHCHECK &{["CMD-SHELL" "true"] "5s" "0s" "0s" '\x00'}`,
		`/bin/sh -c #(nop)  ONBUILD RUN echo later`,
		`/bin/bash -c #(nop)  SHELL [/bin/bash -c]`, // docker: after the change
		`|1 V=1 /bin/bash -c echo bash`,
		`/bin/bash -c #(nop)  CMD ["/bin/bash" "-c" "echo hi"]`,
		`/bin/bash -c #(nop)  ENTRYPOINT ["/bin/sh"]`,
	}, {
		`/bin/bash -c echo later`, // the base's ONBUILD trigger
		`/bin/bash -c #(nop)  ENV V=2`,
		`/bin/bash -c #(nop)  ARG V`,
		`/bin/bash -c true`, // ENV overrides the arg: no prefix
	}}
	dir := t.TempDir()
	file := filepath.Join(dir, "Dockerfile")
	if err := os.WriteFile(file, []byte(df), 0o600); err != nil {
		t.Fatal(err)
	}
	ev, err := Evaluate(Request{
		Dockerfile: file,
		Base: func(name string) (*docker.Image, error) {
			if name != "busybox" {
				t.Errorf("base %q, want busybox", name)
			}
			return &docker.Image{Config: &docker.Config{Env: []string{"PATH=/bin"}, Cmd: []string{"sh"}}}, nil
		},
		Content: func(stage, i int) string {
			if stage == 0 && i == 8 {
				return "file:abc"
			}
			return ""
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := ev.Chain(); len(got) != 2 || got[0] != 0 || got[1] != 1 {
		t.Errorf("chain %v, want [0 1]", got)
	}
	for s := range want {
		if len(ev.Stages[s]) != len(want[s]) {
			t.Fatalf("stage %d: %d entries, want %d", s, len(ev.Stages[s]), len(want[s]))
		}
		for i, w := range want[s] {
			if got := ev.Stages[s][i].CreatedBy; got != w {
				t.Errorf("stage %d entry %d:\n got %s\nwant %s", s, i, got, w)
			}
		}
	}
}

func TestHistoryLayers(t *testing.T) {
	entries := []Entry{{"env", false}, {"run1", true}, {"copy", true}, {"cmd", false}}
	now := time.Unix(0, 0)
	flags := func(h []v1.History) string {
		var b strings.Builder
		for _, e := range h {
			if e.EmptyLayer {
				b.WriteByte('.')
			} else {
				b.WriteByte('L')
			}
		}
		return b.String()
	}
	for layers, want := range map[int]string{0: "....", 1: "..L.", 2: ".LL."} {
		h, err := History(entries, layers, now, "FROM x")
		if err != nil {
			t.Fatal(err)
		}
		if got := flags(h); got != want {
			t.Errorf("%d layers: %s, want %s", layers, got, want)
		}
		if h[0].Comment != "FROM x" || h[1].Comment != "" {
			t.Errorf("comment on %+v", h)
		}
	}
	if _, err := History(entries, 3, now, ""); err == nil {
		t.Error("3 layers for 2 layered instructions: no error")
	}
}
