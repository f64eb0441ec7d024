package stagecache

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/openshift/imagebuilder"
	"github.com/openshift/imagebuilder/dockerfile/parser"
)

// dfStage is one stage of a Dockerfile as the stage cache sees it: what
// it builds on, what it reads, and its text. Words are resolved with the
// build args as buildah resolves them (stageRefs), so `ARG BASE=...` and
// `FROM $BASE` name the image buildah will use.
type dfStage struct {
	index int
	name  string // the AS name, or the index when it has none
	named bool
	lines [2]int // the stage's lines in the Dockerfile, [first, last), 0-based

	base     stageRef   // what FROM names
	refs     []stageRef // COPY --from, ADD --from, RUN --mount from=
	text     string     // every instruction, heredocs included
	argNames []string   // the names its ARG instructions declare
	sources  []string   // context paths its COPY/ADD and bind mounts read
	anyPath  bool       // a source the key cannot resolve: the whole context is read
	secrets  []string   // ids of the secrets its RUN steps mount; "*" for a mount without id
	hasRun   bool
	uncache  string // why the stage cannot be keyed; "" if it can
}

// stageRef is what a FROM or --from names: an earlier stage, scratch, a
// named build context, or an image.
type stageRef struct {
	stage   int    // an earlier stage's index, or -1
	image   string // an image reference ("" for a stage or a context)
	context string // a named build context (--build-context)
}

// dfPlan is a parsed Dockerfile: its stages through the target, and the
// text before the first FROM (parser directives, global ARGs).
type dfPlan struct {
	lines  []string
	header [2]int
	stages []dfStage
}

// parseStages splits a Dockerfile into stages with imagebuilder, as
// buildah does, through target ("" the last).
func parseStages(df []byte, args map[string]string, target string, contexts map[string]string) (*dfPlan, error) {
	node, err := imagebuilder.ParseDockerfile(bytes.NewReader(df))
	if err != nil {
		return nil, err
	}
	var firstLine = -1
	for _, c := range node.Children {
		if c.Value == "from" {
			firstLine = c.StartLine - 1
			break
		}
	}
	if firstLine < 0 {
		return nil, fmt.Errorf("no FROM instruction")
	}
	b := imagebuilder.NewBuilder(args)
	stages, err := imagebuilder.NewStages(node, b)
	if err != nil {
		return nil, err
	}
	if stages, err = throughTarget(stages, target); err != nil {
		return nil, err
	}
	text := strings.TrimSuffix(string(df), "\n")
	p := &dfPlan{lines: strings.Split(text, "\n"), header: [2]int{0, firstLine}}
	for i, st := range stages {
		s := parseStage(st, stages[:i], contexts)
		s.lines[0] = st.Node.Children[0].StartLine - 1
		s.lines[1] = len(p.lines)
		if i+1 < len(stages) {
			s.lines[1] = stages[i+1].Node.Children[0].StartLine - 1
		} else if i+1 < len(allStages(node)) {
			s.lines[1] = allStages(node)[i+1].Children[0].StartLine - 1
		}
		p.stages = append(p.stages, s)
	}
	return p, nil
}

func allStages(node *parser.Node) []*parser.Node { return imagebuilder.SplitBy(node, "from") }

func throughTarget(stages imagebuilder.Stages, target string) (imagebuilder.Stages, error) {
	if target == "" {
		return stages, nil
	}
	s, ok := stages.ThroughTarget(target)
	if !ok {
		return nil, fmt.Errorf("the target %q was not found in the Dockerfile", target)
	}
	return s, nil
}

// parseStage reads one stage's instructions; earlier are the stages
// before it, which its FROM and --from may name.
func parseStage(st imagebuilder.Stage, earlier imagebuilder.Stages, contexts map[string]string) dfStage {
	s := dfStage{index: st.Position, name: st.Name, named: st.Name != strconv.Itoa(st.Position)}
	local := map[string]string{}
	// ProcessWord takes the first match: --build-arg, then the stage's
	// ARG defaults, then the global ARGs, then buildah's built-ins, as in
	// buildah's executor.
	resolve := func(w string) (string, bool) {
		env := append(append(append(mapSlice(st.Builder.Args), mapSlice(local)...), mapSlice(st.Builder.HeadingArgs)...), mapSlice(st.Builder.BuiltinArgDefaults)...)
		v, err := imagebuilder.ProcessWord(w, env)
		return v, err == nil
	}
	ref := func(w string) stageRef {
		v, ok := resolve(w)
		if !ok {
			s.uncache = "a name that does not resolve: " + w
			return stageRef{stage: -1}
		}
		if _, ok := contexts[v]; ok {
			return stageRef{stage: -1, context: v}
		}
		for j := len(earlier) - 1; j >= 0; j-- {
			if earlier[j].Name == v || strconv.Itoa(earlier[j].Position) == v {
				return stageRef{stage: earlier[j].Position}
			}
		}
		return stageRef{stage: -1, image: v}
	}
	var text strings.Builder
	for i, c := range st.Node.Children {
		text.WriteString(c.Original)
		for _, h := range c.Heredocs {
			fmt.Fprintf(&text, "\n<<%s\n%s", h.Name, h.Content)
		}
		text.WriteString("\n")
		words := nodeWords(c)
		switch c.Value {
		case "from":
			if i == 0 && len(words) > 0 {
				s.base = ref(words[0])
			}
		case "arg":
			for _, w := range words {
				name, val, ok := strings.Cut(w, "=")
				s.argNames = append(s.argNames, name)
				if ok {
					local[name] = val
				}
			}
		case "copy", "add":
			s.copySources(c, words, ref)
		case "run":
			s.hasRun = true
			for _, f := range c.Flags {
				if m, ok := strings.CutPrefix(f, "--mount="); ok {
					s.mount(m, ref)
				}
			}
		}
	}
	s.text = text.String()
	return s
}

// copySources notes what a COPY or ADD reads: an image or stage with
// --from, else paths in the context. ADD from a URL is keyed by its
// --checksum; without one the stage is not cached (the key would have to
// download it).
func (s *dfStage) copySources(c *parser.Node, words []string, ref func(string) stageRef) {
	checksum := false
	for _, f := range c.Flags {
		if v, ok := strings.CutPrefix(f, "--from="); ok {
			s.refs = append(s.refs, ref(v))
			return
		}
		if strings.HasPrefix(f, "--checksum=") {
			checksum = true
		}
	}
	if len(words) < 2 {
		return
	}
	for _, w := range words[:len(words)-1] {
		switch {
		case strings.HasPrefix(w, "<<"):
			// a heredoc: its content is in the text
		case strings.Contains(w, "://") || strings.HasPrefix(w, "git@"):
			if c.Value != "add" || !checksum || strings.HasPrefix(w, "git@") || strings.HasSuffix(w, ".git") {
				s.uncache = "ADD " + w + " without --checksum"
			}
		case strings.Contains(w, "$") || strings.Contains(w, "**"):
			s.anyPath = true
		default:
			s.sources = append(s.sources, w)
		}
	}
}

// mount notes what a RUN --mount reads: a stage, an image or a context
// for from=, a context path for a bind mount, a secret's id.
func (s *dfStage) mount(m string, ref func(string) stageRef) {
	typ, from, src, id := "bind", "", "", ""
	for _, kv := range strings.Split(m, ",") {
		k, v, _ := strings.Cut(kv, "=")
		switch strings.ToLower(k) {
		case "type":
			typ = v
		case "from":
			from = v
		case "source", "src":
			src = v
		case "id":
			id = v
		}
	}
	switch {
	case typ == "secret":
		if id == "" {
			id = "*" // buildah derives it from the target: keep every secret's
		}
		s.secrets = append(s.secrets, id)
	case from != "":
		s.refs = append(s.refs, ref(from))
	case typ == "bind":
		if src == "" {
			src = "."
		}
		if strings.Contains(src, "$") {
			s.anyPath = true
		} else {
			s.sources = append(s.sources, src)
		}
	}
}

func nodeWords(c *parser.Node) []string {
	var w []string
	for n := c.Next; n != nil; n = n.Next {
		w = append(w, n.Value)
	}
	return w
}

func mapSlice(m map[string]string) []string {
	s := make([]string, 0, len(m))
	for k, v := range m {
		s = append(s, k+"="+v)
	}
	return s
}

// needs lists the stages stage i needs, itself included, in order.
func (p *dfPlan) needs(i int) []int {
	seen := map[int]bool{}
	var walk func(int)
	walk = func(i int) {
		if seen[i] {
			return
		}
		seen[i] = true
		s := p.stages[i]
		for _, r := range append([]stageRef{s.base}, s.refs...) {
			if r.stage >= 0 {
				walk(r.stage)
			}
		}
	}
	walk(i)
	var out []int
	for j := range p.stages {
		if seen[j] {
			out = append(out, j)
		}
	}
	return out
}

// rewrite is the Dockerfile with each stage in done (index -> image id)
// reduced to `FROM <id> [AS name]`: buildah then takes the image as the
// stage's result and skips what only that stage needed. Every other line
// is kept as written, so the steps that run are recorded as they would be.
func (p *dfPlan) rewrite(done map[int]string) []byte {
	var b strings.Builder
	for _, l := range p.lines[p.header[0]:p.header[1]] {
		b.WriteString(l + "\n")
	}
	next := p.header[1]
	for _, s := range p.stages {
		for _, l := range p.lines[next:s.lines[0]] {
			b.WriteString(l + "\n")
		}
		if id, ok := done[s.index]; ok {
			fmt.Fprintf(&b, "FROM %s", id)
			if s.named {
				fmt.Fprintf(&b, " AS %s", s.name)
			}
			b.WriteString("\n")
		} else {
			for _, l := range p.lines[s.lines[0]:s.lines[1]] {
				b.WriteString(l + "\n")
			}
		}
		next = s.lines[1]
	}
	for _, l := range p.lines[next:] {
		b.WriteString(l + "\n")
	}
	return []byte(b.String())
}
