// Package dfcheck refuses, before any build starts, the Dockerfile mistakes
// buildah would otherwise report late or not at all: an unknown
// instruction (buildah logged "(UNHANDLED LOGLEVEL)" and a Go struct dump,
// then failed mid-build) and a stage name given twice (buildah took the
// last, so COPY --from meant a stage the author may not have meant).
// Errors are one line naming the Dockerfile line and never quote more
// than a short, escaped word of it.
//
// It parses with the parser buildah uses and imports nothing of the build:
// never builder, buildah, storage or the CLI.
package dfcheck

import (
	"fmt"
	"io"
	"strings"

	"github.com/openshift/imagebuilder/dockerfile/command"
	"github.com/openshift/imagebuilder/dockerfile/parser"
)

// Check parses the Dockerfile in r and reports its first unknown
// instruction or reused stage name. A Dockerfile the parser itself
// refuses is left to the build, which reports it as before.
func Check(r io.Reader) error {
	res, err := parser.Parse(r)
	if err != nil {
		return nil
	}
	stages := map[string]int{} // lower-cased name -> line
	for _, n := range res.AST.Children {
		if _, ok := command.Commands[n.Value]; !ok {
			return fmt.Errorf("Dockerfile line %d: unknown instruction %s", n.StartLine, word(n.Original))
		}
		if n.Value != command.From {
			continue
		}
		name, ok := stageName(n)
		if !ok {
			continue
		}
		if first, dup := stages[name]; dup {
			return fmt.Errorf("Dockerfile line %d: stage name %s is already used on line %d", n.StartLine, word(name), first)
		}
		stages[name] = n.StartLine
	}
	return nil
}

// stageName is the lower-cased name of FROM image AS name.
func stageName(n *parser.Node) (string, bool) {
	var words []string
	for w := n.Next; w != nil; w = w.Next {
		words = append(words, w.Value)
	}
	if len(words) == 3 && strings.EqualFold(words[1], "as") {
		return strings.ToLower(words[2]), true
	}
	return "", false
}

// word is the first word of s, quoted with control characters escaped and
// cut at 32 bytes: the line is the author's, not ours to echo in full.
func word(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return `""`
	}
	w := f[0]
	if len(w) > 32 {
		w = w[:32] + "..."
	}
	return fmt.Sprintf("%q", w)
}
