package ociconv

import (
	"encoding/json"
	"io"
	"strings"

	"github.com/openshift/imagebuilder/dockerfile/command"
	"github.com/openshift/imagebuilder/dockerfile/parser"
)

// Edit is what hush sets in the final config where buildah (through
// imagebuilder) writes it otherwise than docker build: docs/conformance.md.
type Edit struct {
	// WorkingDir is the final stage's WORKDIR as the Dockerfile writes it
	// when it ends in a slash: imagebuilder trims the slash, docker (both
	// builders) keeps an absolute path as written. Set only where the
	// committed value is that path without its slash.
	WorkingDir string
	// ArgsEscaped: the final stage (or a stage it is built FROM) has a CMD,
	// after which BuildKit sets ArgsEscaped (its dispatchCmd; docker's
	// classic builder sets it only on Windows).
	ArgsEscaped bool
}

// EditFor reads the Dockerfile and returns the Edit for the stage target
// ("" the last). A Dockerfile the parser refuses gets no Edit: the build
// has failed already.
func EditFor(dockerfile io.Reader, target string) Edit {
	res, err := parser.Parse(dockerfile)
	if err != nil {
		return Edit{}
	}
	type stage struct {
		name, from string
		nodes      []*parser.Node
	}
	var stages []*stage
	for _, n := range res.AST.Children {
		if n.Value == command.From {
			s := &stage{}
			var words []string
			for w := n.Next; w != nil; w = w.Next {
				words = append(words, w.Value)
			}
			if len(words) > 0 {
				s.from = strings.ToLower(words[0])
			}
			if len(words) == 3 && strings.EqualFold(words[1], "as") {
				s.name = strings.ToLower(words[2])
			}
			stages = append(stages, s)
			continue
		}
		if len(stages) > 0 {
			stages[len(stages)-1].nodes = append(stages[len(stages)-1].nodes, n)
		}
	}
	if len(stages) == 0 {
		return Edit{}
	}
	i := len(stages) - 1
	if target != "" {
		for j, s := range stages {
			if s.name == strings.ToLower(target) {
				i = j
			}
		}
	}
	var e Edit
	workdirSeen := false
	// Walk the stage and the earlier stages it is built FROM.
	for i >= 0 {
		s := stages[i]
		for k := len(s.nodes) - 1; k >= 0; k-- {
			n := s.nodes[k]
			switch n.Value {
			case command.Cmd:
				e.ArgsEscaped = true
			case command.Workdir:
				if !workdirSeen && n.Next != nil {
					workdirSeen = true
					if w := n.Next.Value; strings.HasPrefix(w, "/") && len(w) > 1 && strings.HasSuffix(w, "/") && !strings.Contains(w, "$") {
						e.WorkingDir = w
					}
				}
			}
		}
		next := -1
		for j := i - 1; j >= 0; j-- {
			if stages[j].name != "" && stages[j].name == s.from {
				next = j
				break
			}
		}
		i = next
	}
	return e
}

// apply sets e's fields in a config's "config" object (docker's or OCI's
// JSON, which share these names), keeping everything else as it is.
func (e Edit) apply(cfg map[string]json.RawMessage) (bool, error) {
	var c map[string]json.RawMessage
	if raw, ok := cfg["config"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &c); err != nil {
			return false, err
		}
	}
	if c == nil {
		c = map[string]json.RawMessage{}
	}
	changed := false
	if e.WorkingDir != "" {
		var wd string
		if raw, ok := c["WorkingDir"]; ok {
			_ = json.Unmarshal(raw, &wd)
		}
		if wd == strings.TrimSuffix(e.WorkingDir, "/") {
			c["WorkingDir"], _ = json.Marshal(e.WorkingDir)
			changed = true
		}
	}
	if e.ArgsEscaped && string(c["ArgsEscaped"]) != "true" {
		c["ArgsEscaped"] = json.RawMessage("true")
		changed = true
	}
	if !changed {
		return false, nil
	}
	raw, err := json.Marshal(c)
	if err != nil {
		return false, err
	}
	cfg["config"] = raw
	return true, nil
}
