package stagecache

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	bparse "go.podman.io/buildah/pkg/parse"
	"go.podman.io/storage/pkg/fileutils"
)

// keyInputs is what every stage key shares, and how to look up what is
// not in the Dockerfile. Secret values and credential-named build args'
// values are never inputs (as in BuildKit): only a rotate=true secret's
// slow, salted derivation is (cacherotate.go).
type keyInputs struct {
	global   []byte            // canonical JSON of the options every stage depends on
	final    []byte            // those only the target stage depends on (labels, annotations)
	args     map[string]string // --build-arg; credential-named: "" (the name only)
	secrets  map[string]string // id -> its delivery options
	implicit []string          // ids of secrets every RUN step gets (target=, arg=)
	rotate   map[string]bool   // ids of rotate=true secrets
	derive   func(id string) ([]byte, error)
	image    func(name string) (string, error) // an image reference -> its id (cachepull.go)
	contexts map[string]string                 // named build context -> digest or image id; "" unknown
	tree     *contextTree
}

// stageKeys computes the key of every stage of p, in order; a stage that
// cannot be keyed gets "" and the reason. A stage's key covers the
// options, its text, the build args it declares, what it builds on and
// copies from (an image's id, an earlier stage's key), the context paths
// it reads, and the secrets its RUN steps get: so a change to a file only
// one stage copies invalidates that stage and those built from it.
func stageKeys(p *dfPlan, in keyInputs) (keys, why []string) {
	keys, why = make([]string, len(p.stages)), make([]string, len(p.stages))
	header := strings.Join(p.lines[p.header[0]:p.header[1]], "\n")
	for i := range p.stages {
		k, w := stageKey(p, in, header, i, keys, why)
		keys[i], why[i] = k, w
	}
	return keys, why
}

func stageKey(p *dfPlan, in keyInputs, header string, i int, keys, why []string) (string, string) {
	s := p.stages[i]
	if s.uncache != "" {
		return "", s.uncache
	}
	h := sha256.New()
	field := func(name, v string) { fmt.Fprintf(h, "%s %d %s\n", name, len(v), v) }
	field("hush-stage-cache", "v2")
	field("options", string(in.global))
	if i == len(p.stages)-1 {
		field("final", string(in.final))
	}
	field("header", header)
	field("text", s.text)
	names := append([]string(nil), s.argNames...)
	sort.Strings(names)
	for _, n := range names {
		if v, ok := in.args[n]; ok {
			field("arg", n+"="+v)
		} else {
			field("arg-unset", n)
		}
	}
	for _, r := range append([]stageRef{s.base}, s.refs...) {
		switch {
		case r.stage >= 0:
			if keys[r.stage] == "" {
				return "", fmt.Sprintf("stage %s is not cached: %s", p.stages[r.stage].name, why[r.stage])
			}
			field("stage", keys[r.stage])
		case r.context != "":
			d := in.contexts[r.context]
			if d == "" {
				return "", "build context " + r.context + " cannot be keyed"
			}
			field("context", r.context+" "+d)
		case r.image == "scratch" || r.image == "":
			field("image", r.image)
		default:
			id, err := in.image(r.image)
			if err != nil {
				return "", err.Error()
			}
			field("image", r.image+" "+id)
		}
	}
	if len(s.sources) > 0 || s.anyPath {
		if in.tree == nil {
			return "", "the build context cannot be read"
		}
		d, err := in.tree.digest(s.sources, s.anyPath)
		if err != nil {
			return "", "the build context cannot be read"
		}
		field("paths", d)
	}
	ids := map[string]bool{}
	for _, id := range s.secrets {
		if id == "*" {
			for id := range in.secrets {
				ids[id] = true
			}
		} else {
			ids[id] = true
		}
	}
	if s.hasRun {
		for _, id := range in.implicit {
			ids[id] = true
		}
	}
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		field("secret", id+" "+in.secrets[id])
		if in.rotate[id] {
			d, err := in.derive(id)
			if err != nil {
				return "", fmt.Sprintf("no salt for rotated secrets: %v", err)
			}
			field("rotate", hex.EncodeToString(d))
		}
	}
	return hex.EncodeToString(h.Sum(nil)), ""
}

// contextTree is the build context as a COPY sees it: every path not
// excluded by .containerignore or .dockerignore, walked once; a file's
// content is read only when a stage's key needs it.
type contextTree struct {
	dir     string
	entries []treeEntry // sorted by path
	mu      sync.Mutex
	sums    map[string]string
}

type treeEntry struct {
	rel  string
	info os.FileInfo
}

func newContextTree(dir, dockerfile string) (*contextTree, error) {
	pm, _, err := buildIgnore(dir, dockerfile)
	if err != nil {
		return nil, err
	}
	t := &contextTree{dir: dir, sums: map[string]string{}}
	err = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		if pm != nil {
			if skip, _ := pm.Matches(rel); skip {
				if fi.IsDir() && !pm.Exclusions() {
					return filepath.SkipDir
				}
				return nil
			}
		}
		t.entries = append(t.entries, treeEntry{rel: filepath.ToSlash(rel), info: fi})
		return nil
	})
	sort.Slice(t.entries, func(i, j int) bool { return t.entries[i].rel < t.entries[j].rel })
	return t, err
}

// digest covers the entries the sources name: a path and everything
// under it, or what a glob matches (as filepath.Match, per path element,
// and everything under a match); all of them with all set. A symlink
// among them makes it the whole context's: where a link points is not
// followed here.
func (t *contextTree) digest(sources []string, all bool) (string, error) {
	pats := make([]string, 0, len(sources))
	for _, s := range sources {
		c := path.Clean("/" + filepath.ToSlash(s))
		if c == "/" {
			all = true
		}
		pats = append(pats, strings.TrimPrefix(c, "/"))
	}
	selected := t.entries
	if !all {
		selected = nil
		for _, e := range t.entries {
			for _, p := range pats {
				if underMatch(p, e.rel) {
					selected = append(selected, e)
					break
				}
			}
		}
		for _, e := range selected {
			if e.info.Mode()&os.ModeSymlink != 0 {
				return t.digest(nil, true)
			}
		}
	}
	h := sha256.New()
	for _, e := range selected {
		size := e.info.Size()
		if e.info.IsDir() {
			size = 0 // a directory's size is the file system's, not the content's
		}
		fmt.Fprintf(h, "%s\x00%o\x00%d\x00", e.rel, e.info.Mode(), size)
		switch {
		case e.info.Mode()&os.ModeSymlink != 0:
			l, err := os.Readlink(filepath.Join(t.dir, e.rel))
			if err != nil {
				return "", err
			}
			h.Write([]byte(l))
		case e.info.Mode().IsRegular():
			sum, err := t.fileSum(e.rel)
			if err != nil {
				return "", err
			}
			h.Write([]byte(sum))
		}
		h.Write([]byte{0})
	}
	b, _ := json.Marshal(pats)
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// buildIgnore is the ignore file buildah applies to COPY, found as it
// finds it: DOCKERFILE.dockerignore (or .containerignore) beside the
// Dockerfile first, else the context's .containerignore or .dockerignore.
// It returns the matcher (nil: none) and the file's path ("" if none).
func buildIgnore(dir, dockerfile string) (*fileutils.PatternMatcher, string, error) {
	var files []string
	if dockerfile != "" {
		files = []string{dockerfile}
	}
	excludes, path, err := bparse.ContainerIgnoreFile(dir, "", files)
	if err != nil || len(excludes) == 0 {
		return nil, path, err
	}
	pm, err := fileutils.NewPatternMatcher(excludes)
	return pm, path, err
}

// underMatch says whether rel is the path pattern p names, or under it.
func underMatch(p, rel string) bool {
	pe, re := strings.Split(p, "/"), strings.Split(rel, "/")
	if len(re) < len(pe) {
		return false
	}
	for i := range pe {
		if ok, err := path.Match(pe[i], re[i]); err != nil || !ok {
			return false
		}
	}
	return true
}

func (t *contextTree) fileSum(rel string) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s, ok := t.sums[rel]; ok {
		return s, nil
	}
	h := sha256.New()
	if err := hashFile(h, filepath.Join(t.dir, rel)); err != nil {
		return "", err
	}
	s := hex.EncodeToString(h.Sum(nil))
	t.sums[rel] = s
	return s, nil
}
