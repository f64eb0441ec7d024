package attest

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/openshift/imagebuilder/dockerfile/command"
	"github.com/openshift/imagebuilder/dockerfile/parser"
)

// Guard is what the guard did with the image (builder/internal/guard's
// Report, in plain values); it passed, or there would be no image.
type Guard struct {
	Layers []GuardLayer // the image's layers, bottom first
	// Secretless: the build had no secret (nor credential-named build
	// arg), so the guard had nothing to look for and read no layer.
	Secretless bool
	// Forms are what the engine claims to find (audit.Claims: the
	// forms docs/audit.md claims and audit/corpus tests).
	Forms []Form
}

// Form is one claimed form: values of Kinds written by Writer, wrapped by
// Wrapper.
type Form struct {
	Writer  string   `json:"writer"`
	Wrapper string   `json:"wrapper"`
	Kinds   []string `json:"kinds"`
}

// GuardLayer is one layer: read (and clean), or a base image's, not read.
type GuardLayer struct {
	DiffID  string
	Scanned bool
}

// Layer statuses and verdicts in the guard predicate.
const (
	StatusScanned     = "scanned"
	StatusBaseSkipped = "base-skipped"
	StatusNoSecrets   = "no-secrets" // nothing to look for: not read
	VerdictClean      = "clean"
	VerdictNotRead    = "not-read"
	VerdictPass       = "pass"
)

// The guard predicate, https://hush.build/guard/v1 (docs/attestations.md).
type guardBody struct {
	Verdict string       `json:"verdict"`
	Engine  guardEngine  `json:"engine"`
	Secrets []string     `json:"secrets"`
	Stages  []guardStage `json:"stages"`
	Config  guardItem    `json:"config"`
	Layers  []guardItem  `json:"layers"`
}

type guardEngine struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Claims  string `json:"claims"`
	Forms   []Form `json:"forms"`
}

type guardStage struct {
	Index   int         `json:"index"`
	Name    string      `json:"name,omitempty"`
	From    string      `json:"from"`
	Secrets []secretUse `json:"secrets"`
}

type secretUse struct {
	ID       string `json:"id"`
	Delivery string `json:"delivery"`
	Target   string `json:"target,omitempty"` // a file path or an environment variable's name
}

type guardItem struct {
	DiffID  string `json:"diffID,omitempty"`
	Status  string `json:"status"`
	Verdict string `json:"verdict"`
}

// Secret deliveries named in the guard predicate.
const (
	DeliveryMountFile = "run-mount-file" // RUN --mount=type=secret, a tmpfs file
	DeliveryMountEnv  = "run-mount-env"  // RUN --mount=type=secret,env=VAR
	DeliveryEveryFile = "every-run-file" // --secret ...,target=PATH: every RUN step
	DeliveryEveryEnv  = "every-run-env"  // --secret ...,arg=VAR: every RUN step
)

func guardPredicate(r Request) (guardBody, error) {
	g := guardBody{
		Verdict: VerdictPass,
		Engine: guardEngine{
			Name: "hush", Version: r.Version,
			Claims: "https://github.com/hushbuild/hush/blob/main/docs/audit.md#recall",
			Forms:  r.Guard.Forms,
		},
		Secrets: []string{},
		Config:  guardItem{Status: StatusScanned, Verdict: VerdictClean},
	}
	if r.Guard.Secretless {
		g.Config = guardItem{Status: StatusNoSecrets, Verdict: VerdictNotRead}
	}
	for _, s := range r.Secrets {
		g.Secrets = append(g.Secrets, s.ID)
	}
	stages, err := stageSecrets(r.DockerfileContent, r.Secrets)
	if err != nil {
		return g, err
	}
	g.Stages = stages
	for _, l := range r.Guard.Layers {
		it := guardItem{DiffID: l.DiffID, Status: StatusScanned, Verdict: VerdictClean}
		switch {
		case !l.Scanned:
			it.Status, it.Verdict = StatusBaseSkipped, VerdictNotRead
		case r.Guard.Secretless:
			it.Status, it.Verdict = StatusNoSecrets, VerdictNotRead
		}
		g.Layers = append(g.Layers, it)
	}
	return g, nil
}

// stageSecrets reads, per stage of the Dockerfile, the secret ids its RUN
// steps mount and how, plus the --secret specs every RUN step gets.
func stageSecrets(dockerfile []byte, specs []SecretSpec) ([]guardStage, error) {
	res, err := parser.Parse(bytes.NewReader(dockerfile))
	if err != nil {
		return nil, fmt.Errorf("reading the Dockerfile for the guard attestation: %w", err)
	}
	var stages []guardStage
	for _, n := range res.AST.Children {
		switch n.Value {
		case command.From:
			st := guardStage{Index: len(stages), Secrets: []secretUse{}}
			var words []string
			for w := n.Next; w != nil; w = w.Next {
				words = append(words, w.Value)
			}
			if len(words) > 0 {
				st.From = words[0]
			}
			if len(words) == 3 && strings.EqualFold(words[1], "as") {
				st.Name = words[2]
			}
			stages = append(stages, st)
		case command.Run:
			if len(stages) == 0 {
				continue
			}
			st := &stages[len(stages)-1]
			for _, f := range n.Flags {
				if u, ok := mountedSecret(f); ok && !hasUse(st.Secrets, u) {
					st.Secrets = append(st.Secrets, u)
				}
			}
			for _, sp := range specs {
				for _, u := range []secretUse{{sp.ID, DeliveryEveryFile, sp.EveryFile}, {sp.ID, DeliveryEveryEnv, sp.EveryEnvVar}} {
					if u.Target != "" && !hasUse(st.Secrets, u) {
						st.Secrets = append(st.Secrets, u)
					}
				}
			}
		}
	}
	return stages, nil
}

// mountedSecret reads a RUN flag --mount=type=secret,id=X[,env=V][,target=P].
func mountedSecret(flag string) (secretUse, bool) {
	v, ok := strings.CutPrefix(flag, "--mount=")
	if !ok {
		return secretUse{}, false
	}
	kv := map[string]string{}
	for _, part := range strings.Split(v, ",") {
		k, val, _ := strings.Cut(part, "=")
		kv[strings.ToLower(k)] = val
	}
	if kv["type"] != "secret" {
		return secretUse{}, false
	}
	u := secretUse{ID: kv["id"], Delivery: DeliveryMountFile, Target: kv["target"]}
	if u.Target == "" {
		u.Target = kv["dst"]
	}
	if u.ID == "" && u.Target != "" {
		u.ID = u.Target[strings.LastIndex(u.Target, "/")+1:] // BuildKit: the id defaults to the target's base name
	}
	if u.Target == "" {
		u.Target = "/run/secrets/" + u.ID
	}
	if e := kv["env"]; e != "" {
		u.Delivery, u.Target = DeliveryMountEnv, e
		if _, isFile := kv["target"]; isFile {
			u.Delivery = DeliveryMountEnv + "+" + DeliveryMountFile
		}
	}
	return u, u.ID != ""
}

func hasUse(us []secretUse, u secretUse) bool {
	for _, x := range us {
		if x == u {
			return true
		}
	}
	return false
}
