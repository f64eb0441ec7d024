package builder

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hushbuild/hush/secrets"
	"github.com/openshift/imagebuilder/dockerfile/parser"
	"go.podman.io/buildah/define"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/storage"
	"go.podman.io/storage/pkg/fileutils"
)

// buildInputs is everything a default-mode build's result depends on that
// is known before storage is opened: the Dockerfile, the options that
// change what the steps do or what is committed, and the content of every
// context. Base images are added by key, from storage. Secret values and
// credential-named build args' values are not inputs (as in BuildKit): a
// rotated secret does not invalidate the cache.
type buildInputs struct {
	static  []byte   // canonical JSON of the options and context digests
	df      []byte   // the Dockerfile
	images  []string // image references the Dockerfile and contexts name
	rotate  []string // ids of the secrets whose value is an input (rotate=true)
	uncache string   // why the build cannot be keyed; "" if it can
}

// keyOptions are the options that go into the key.
type keyOptions struct {
	Version                                     string
	Target, Platform, Network, ShmSize          string
	Args                                        []string // NAME=VALUE; credential-named: NAME only
	Labels, Annotations, Ulimits, AddHosts, SSH []string
	Secrets                                     []string // id, type and delivery options; never the value
	SourceDateEpoch                             int64
	Context                                     string // digest of the build context
	NamedContexts                               map[string]string
}

func collectInputs(o Options, contextDir, dockerfile string, ulimits []string) buildInputs {
	var in buildInputs
	df, err := os.ReadFile(dockerfile)
	if err != nil {
		return buildInputs{uncache: "the Dockerfile cannot be read"}
	}
	in.df = df
	if in.images, in.uncache = dockerfileImages(df); in.uncache != "" {
		return in
	}
	k := keyOptions{
		Version: define.Version, Target: o.Target, Platform: o.Platform, Network: o.Network,
		ShmSize: o.ShmSize, Labels: o.Labels, Annotations: o.Annotations, Ulimits: ulimits,
		AddHosts: o.AddHosts, SSH: o.SSH, NamedContexts: map[string]string{},
	}
	for name, v := range o.BuildArgs {
		if secrets.CredentialName(name) {
			k.Args = append(k.Args, name)
		} else {
			k.Args = append(k.Args, name+"="+v)
		}
	}
	sort.Strings(k.Args)
	for _, s := range o.Secrets {
		if s.Rotate {
			in.rotate = append(in.rotate, s.ID)
		}
		typ := "file"
		if s.Env != "" {
			typ = "env"
		}
		k.Secrets = append(k.Secrets, fmt.Sprintf("id=%s,type=%s,target=%s,mode=%o,uid=%d,gid=%d,arg=%s", s.ID, typ, s.Target, s.Mode, s.UID, s.GID, s.Arg))
	}
	if o.SourceDateEpoch != nil {
		k.SourceDateEpoch = o.SourceDateEpoch.Unix()
	}
	if k.Context, err = treeDigest(contextDir); err != nil {
		return buildInputs{uncache: "the build context cannot be read"}
	}
	for name, v := range o.BuildContexts {
		if strings.Contains(v, "://") {
			k.NamedContexts[name] = v
			in.images = append(in.images, v[strings.Index(v, "://")+3:])
			continue
		}
		if k.NamedContexts[name], err = treeDigest(v); err != nil {
			return buildInputs{uncache: "build context " + name + " cannot be read"}
		}
	}
	in.static, _ = json.Marshal(k)
	return in
}

// dockerfileImages lists the images a Dockerfile names (FROM, COPY --from,
// RUN --mount from=) that are not its own stages, or says why its result
// cannot be keyed.
func dockerfileImages(df []byte) ([]string, string) {
	res, err := parser.Parse(bytes.NewReader(df))
	if err != nil {
		return nil, "the Dockerfile does not parse"
	}
	stages := map[string]bool{}
	var images []string
	ref := func(name string) string {
		switch {
		case strings.Contains(name, "$"):
			return "an image named by a variable"
		case name == "scratch" || stages[strings.ToLower(name)]:
			return ""
		}
		if _, err := fmt.Sscanf(name, "%d", new(int)); err == nil && !strings.ContainsAny(name, "/:") {
			return "" // a stage by number
		}
		images = append(images, name)
		return ""
	}
	n := 0
	for _, node := range res.AST.Children {
		var words []string
		for w := node.Next; w != nil; w = w.Next {
			words = append(words, w.Value)
		}
		var why string
		switch node.Value {
		case "from":
			if len(words) > 0 {
				why = ref(words[0])
			}
			if len(words) == 3 && strings.EqualFold(words[1], "as") {
				stages[strings.ToLower(words[2])] = true
			}
			stages[fmt.Sprint(n)] = true
			n++
		case "add":
			for _, w := range words {
				if strings.Contains(w, "://") || strings.HasPrefix(w, "git@") {
					why = "ADD from a URL"
				}
			}
			fallthrough
		case "copy", "run":
			for _, f := range node.Flags {
				for _, part := range strings.Split(f, ",") {
					if v, ok := strings.CutPrefix(strings.TrimPrefix(part, "--mount="), "from="); ok {
						why = ref(v)
					} else if v, ok := strings.CutPrefix(part, "--from="); ok {
						why = ref(v)
					}
				}
			}
		}
		if why != "" {
			return nil, why
		}
	}
	return images, ""
}

// key adds the base images' ids from storage (pulling a missing one, as
// the build would), and the derived values of rotate=true secrets, to the
// inputs; "" and a reason when an image is not there.
func (in buildInputs) key(store storage.Store, loaded []secrets.Secret, salt func() ([]byte, error), pull func(string) string) (string, string) {
	if in.uncache != "" {
		return "", in.uncache
	}
	h := sha256.New()
	fmt.Fprintf(h, "hush-build-cache-v1\n%d\n", len(in.df))
	h.Write(in.df)
	h.Write(in.static)
	for _, name := range in.images {
		id := localImage(store, name)
		if id == "" {
			id = pull(name)
		}
		if id == "" {
			return "", fmt.Sprintf("image %s is not in local storage", name)
		}
		fmt.Fprintf(h, "\nimage %s %s", name, id)
	}
	if len(in.rotate) > 0 {
		sl, err := salt()
		if err != nil {
			return "", fmt.Sprintf("no salt for rotated secrets: %v", err)
		}
		for _, id := range in.rotate {
			for _, sec := range loaded {
				if sec.ID == id {
					fmt.Fprintf(h, "\nrotate %s %x", id, deriveRotation(sec.Value(), sl))
				}
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)), ""
}

// localImage resolves name as buildah would find it locally: as written,
// under localhost/, or docker's normalized name.
func localImage(store storage.Store, name string) string {
	cands := []string{name}
	if nt, err := qualify(name); err == nil {
		cands = append(cands, nt.String())
	}
	if n, err := reference.ParseNormalizedNamed(name); err == nil {
		cands = append(cands, reference.TagNameOnly(n).String())
	}
	for _, c := range cands {
		if img, err := store.Image(c); err == nil {
			return img.ID
		}
	}
	return ""
}

// treeDigest digests a context directory: every path not excluded by its
// .containerignore or .dockerignore, with its type, mode, size, link target
// and content. File times are left out, so a fresh checkout has the same
// digest.
func treeDigest(dir string) (string, error) {
	pm, err := ignoreMatcher(dir)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	err = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel != "." && pm != nil {
			if skip, _ := pm.Matches(rel); skip {
				if fi.IsDir() && !pm.Exclusions() {
					return filepath.SkipDir
				}
				return nil
			}
		}
		fmt.Fprintf(h, "%s\x00%o\x00%d\x00", rel, fi.Mode(), fi.Size())
		switch {
		case fi.Mode()&os.ModeSymlink != 0:
			t, err := os.Readlink(p)
			if err != nil {
				return err
			}
			io.WriteString(h, t)
		case fi.Mode().IsRegular():
			if err := hashFile(h, p); err != nil {
				return err
			}
		}
		h.Write([]byte{0})
		return nil
	})
	return hex.EncodeToString(h.Sum(nil)), err
}

func hashFile(h hash.Hash, p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(h, f)
	return err
}

func ignoreMatcher(dir string) (*fileutils.PatternMatcher, error) {
	for _, name := range []string{".containerignore", ".dockerignore"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		var patterns []string
		for _, l := range strings.Split(string(b), "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
				patterns = append(patterns, filepath.Clean(strings.TrimPrefix(l, "/")))
			}
		}
		return fileutils.NewPatternMatcher(patterns)
	}
	return nil, nil
}
