package cmode

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hushbuild/hush/builder/internal/rundir"
	"github.com/openshift/imagebuilder"
	"github.com/openshift/imagebuilder/dockerfile/parser"
	"go.podman.io/buildah"
	"go.podman.io/storage"
	graphdriver "go.podman.io/storage/drivers"
	"go.podman.io/storage/pkg/archive"
	"golang.org/x/sys/unix"

	"github.com/hushbuild/hush/audit/layertar"
	"github.com/hushbuild/hush/secrets"
)

// Container isolation (IsolationContainer) is for root in a container
// whose seccomp profile forbids namespaces: no namespaces and no mounts.
// The Dockerfile is evaluated by imagebuilder (the evaluator buildah
// uses) with rootExecutor; each stage's base is extracted over / (minus
// the ignore list, fs.go), its steps run there, and what they
// changed is committed as the stage's one layer. Stages run in order;
// COPY --from reads an earlier stage's committed image, which the vfs
// driver keeps as a plain directory.

// stagingDirName is where, under the store's root, a container-isolation
// build stages its layers; each build has <owner>/ there, swept if it dies.
const stagingDirName = "hush-staging"

// Run builds j's Dockerfile with container isolation and returns the
// final image's id. Guard, tags and outputs follow as usual.
// The caller (setupIsolation, via isolation.Resolve) has checked that hush runs as root
// in a container (or was forced).
func Run(ctx context.Context, store storage.Store, j Job) (string, error) {
	if err := j.check(store); err != nil {
		return "", err
	}
	owner := rundir.OwnerTag()
	staging := filepath.Join(store.GraphRoot(), stagingDirName, owner)
	if err := os.MkdirAll(staging, 0o700); err != nil {
		return "", fmt.Errorf("staging directory: %w", err)
	}
	// Kept until the build ends: pushes and exports stage blobs here too,
	// as /var/tmp is now the stage's. Not the build's tmpfs directory, as
	// on a machine: a container's /dev/shm holds 64 MiB, and the stage's
	// layer is on the store's disk (unvouched, swept) from its commit on
	// in every mode.
	j.Defer(func() { os.RemoveAll(staging) })
	if j.Sys != nil {
		j.Sys.BigFilesTemporaryDir = staging
		// c/image's blob info cache notes, as a base is pulled, which
		// compressed blob in which repository each layer came from; the
		// push finds the base's own blobs through it and neither
		// recompresses nor uploads them again. Its default place,
		// /var/lib/containers/cache, goes with the container's / when the
		// first stage clears it: the staging directory outlives the stages.
		if j.Sys.BlobInfoCacheDir == "" {
			j.Sys.BlobInfoCacheDir = staging
		}
	}
	bin := &trash{dir: staging}
	j.Defer(bin.wait) // before staging goes (Defer runs last in, first out)
	unlock, err := lockContainerMode(store)
	if err != nil {
		return "", err
	}
	defer unlock()

	stepDir, err := makeStepDir(owner)
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(stepDir)

	ign, err := j.ignoreList(store, stepDir)
	if err != nil {
		return "", err
	}
	root, own := j.stageRoot(), j.newOwners()
	ign = ign.under(root)
	if own != nil {
		if err := own.Supported(); err != nil {
			return "", err
		}
	}
	// hush's own files, fingerprinted before and checked after every step
	// (selfprint.go); a container a step tampered with refuses here.
	var watch func() (*selfPrint, error)
	if exe, err := os.Executable(); err == nil {
		skip := []string{store.GraphRoot(), store.RunRoot(), stepDir, j.BuildDir, j.ContextDir, staging, root}
		if base, err := rundir.TmpfsBase(); err == nil {
			skip = append(skip, base)
		}
		hashes := hashCache{}
		watch = func() (*selfPrint, error) { return watchSelf(ownDirOf(exe), filepath.Dir(exe), skip, hashes) }
		if _, err := watch(); err != nil {
			return "", err
		}
	}

	// Whatever happens, / ends as it began, minus every file the build
	// put there: a step's copy of a secret must not stay on the
	// container's disk. A sweep does the same for a killed build.
	skel, err := topLevel(root, ign)
	if err != nil {
		return "", err
	}
	if err := writeJSON(filepath.Join(staging, rootStateFile), savedRoot{Ignore: ign.paths, Skeleton: skel, Root: rootIdentity(), Dir: root}); err != nil {
		return "", err
	}
	// cur is the running stage's state right after its base was
	// extracted: at the end only what steps changed since has to go (the
	// rest is the base image, and clearing that costs as much as
	// extracting it).
	var cur rootState
	defer func() {
		var rerr error
		if cur != nil {
			rerr = removeChanges(root, ign, cur, skel, bin)
		} else {
			rerr = restoreRoot(root, ign, skel)
		}
		if rerr != nil {
			fmt.Fprintf(j.Warn, "warning: clearing / after the build: %v\n", rerr)
		}
	}()

	node, err := imagebuilder.ParseFile(j.Dockerfile)
	if err != nil {
		return "", fmt.Errorf("parsing %s: %w", j.Dockerfile, err)
	}
	stages, err := imagebuilder.NewStages(node, imagebuilder.NewBuilder(j.Args))
	if err != nil {
		return "", fmt.Errorf("reading stages: %w", err)
	}
	if j.Target != "" {
		var ok bool
		if stages, ok = stages.ThroughTarget(j.Target); !ok {
			return "", fmt.Errorf("--target %q: no such stage", j.Target)
		}
	}
	excludes, err := imagebuilder.ParseDockerignore(j.ContextDir)
	if err != nil {
		return "", fmt.Errorf("reading .dockerignore: %w", err)
	}

	// Every base is pulled before / is first rewritten: afterwards the
	// container's CA certificates and configuration are the stage's.
	froms := make([]string, len(stages))
	pulled := map[string]string{}
	for i, st := range stages {
		from, err := st.Builder.From(st.Node)
		if err != nil {
			return "", fmt.Errorf("stage %d: %w", i+1, err)
		}
		froms[i] = from
		if _, isStage := stageIndex(stages[:i], from); isStage || from == "scratch" {
			continue
		}
		if err := j.pull(ctx, store, from, pulled); err != nil {
			return "", err
		}
	}
	for i, st := range stages {
		for _, from := range copyFroms(st.Node) {
			if _, isStage := stageIndex(stages[:i], from); isStage {
				continue
			}
			if err := j.pull(ctx, store, from, pulled); err != nil {
				return "", err
			}
		}
	}

	// A step shares this process's container: it must not read hush's
	// memory (the secrets' values), and what it starts must not outlive it.
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return "", fmt.Errorf("making hush non-dumpable: %w", err)
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return "", fmt.Errorf("becoming the steps' subreaper: %w", err)
	}
	defer func() { _ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0) }()

	values := map[string]secrets.Secret{}
	for _, s := range j.Values {
		values[s.ID] = s
	}
	images := make([]string, len(stages))
	defer func() {
		// Stage images other than the last are buildah's intermediates:
		// removed when the build ends, as buildah does.
		for i, id := range images {
			if id != "" && i != len(stages)-1 {
				_, _ = store.DeleteImage(id, true)
			}
		}
	}()
	// A stage no later stage builds FROM is read by COPY --from alone: its
	// root is moved aside whole (renames) instead of committed, and COPY
	// --from reads it there; it goes, in the background, when Run returns.
	kept := make([]string, len(stages))
	keepable := keepableStages(stages, froms, canKeep(staging))
	defer func() {
		for _, d := range kept {
			if d != "" {
				bin.drop(d)
			}
		}
	}()
	fromRoot := func(name string) (string, error) {
		id := pulled[name]
		if i, ok := stageIndex(stages, name); ok {
			if kept[i] != "" {
				return kept[i], nil
			}
			id = images[i]
		}
		if id == "" {
			return "", fmt.Errorf("no stage or image %q", name)
		}
		return imageRoot(store, id)
	}
	defer putImageRoots(store)
	total := 0
	for _, st := range stages {
		total += len(st.Node.Children) + 1
	}
	n := 0
	for i, st := range stages {
		var base *baseImage
		if k, ok := stageIndex(stages[:i], froms[i]); ok {
			base, err = loadBase(ctx, store, j.Sys, froms[i], images[k])
		} else if froms[i] == "scratch" {
			base, err = loadBase(ctx, store, j.Sys, froms[i], "")
		} else {
			base, err = loadBase(ctx, store, j.Sys, froms[i], pulled[froms[i]])
		}
		if err != nil {
			return "", err
		}
		n++
		fmt.Fprintf(j.Report, "[%d/%d] STEP %d/%d: FROM %s (container isolation)\n", i+1, len(stages), n, total, froms[i])
		ib := st.Builder
		ib.Excludes = excludes
		if err := ib.FromImage(base.dockerImage(), st.Node); err != nil {
			return "", fmt.Errorf("stage %d: %w", i+1, err)
		}
		ib.RunConfig.Image = froms[i] // imagebuilder's RUN wants a base named
		cur = nil
		if err := bin.clearRoot(root, ign); err != nil {
			return "", fmt.Errorf("preparing / for stage %d: %w", i+1, err)
		}
		for _, l := range base.layers {
			if err := extractBaseLayerTo(ctx, store, root, l.ID, ign, own); err != nil {
				return "", fmt.Errorf("extracting %s: %w", froms[i], err)
			}
		}
		if err := checkLinks(root, froms[i]); err != nil {
			return "", err
		}
		var before rootState
		if !keepable[i] {
			if before, err = scanOwned(root, ign, own); err != nil {
				return "", err
			}
			cur = before
		}
		exec := &rootExecutor{
			fake: own, root: root,
			ctx: ctx, contextDir: j.ContextDir, stdout: j.Stdout, stderr: j.Stderr,
			stepDir: stepDir, values: values, transient: mountsOf(j.Mounts), fromRoot: fromRoot,
		}
		var steps []historyStep
		for k, child := range st.Node.Children {
			n++
			step := ib.Step()
			if err := step.Resolve(child); err != nil {
				return "", fmt.Errorf("%s: %w", child.Original, err)
			}
			fmt.Fprintf(j.Report, "[%d/%d] STEP %d/%d: %s\n", i+1, len(stages), n, total, child.Original)
			var self *selfPrint
			if watch != nil {
				if self, err = watch(); err != nil {
					return "", err
				}
			}
			runErr := ib.Run(step, exec, k == len(st.Node.Children)-1)
			// After every step, failed or not: a COPY can write there as
			// well as a RUN, and a step can fail after it wrote.
			if self != nil {
				if err := self.check(); err != nil {
					return "", fmt.Errorf("after STEP %q: %w", child.Original, err)
				}
			}
			if runErr != nil {
				return "", fmt.Errorf("building at STEP %q: %w", child.Original, runErr)
			}
			steps = append(steps, stepHistory(step.Command, child.Original))
			if err := ctx.Err(); err != nil {
				return "", err
			}
		}
		if keepable[i] {
			if kept[i], err = bin.keep(root, ign); err != nil {
				return "", fmt.Errorf("stage %d: %w", i+1, err)
			}
			fmt.Fprintf(j.Report, "--> stage %d kept for COPY --from\n", i+1)
			continue
		}
		after, err := scanOwned(root, ign, own)
		if err != nil {
			return "", err
		}
		created := time.Now()
		if j.SourceDateEpoch != nil {
			created = *j.SourceDateEpoch
		}
		cfg := ib.Config()
		s := stageImage{config: cfg, env: mergeEnv(ib.Env, ib.RunConfig.Env), steps: steps, created: created, owners: layerOwners(own, root)}
		if i == len(stages)-1 {
			s.labels = j.Labels
		}
		id, err := commitStage(ctx, store, j.Sys, staging, root, changes(before, after), base, s)
		if err != nil {
			return "", fmt.Errorf("stage %d: %w", i+1, err)
		}
		images[i] = id
		fmt.Fprintf(j.Report, "--> %.12s\n", id)
	}
	return images[len(images)-1], nil
}

// check refuses what container isolation cannot do safely.
func (j Job) check(store storage.Store) error {
	if os.Geteuid() != 0 && !j.Restricted {
		return fmt.Errorf("--isolation container needs root in the container (it extracts images over /)")
	}
	if d := store.GraphDriverName(); d != "vfs" {
		return fmt.Errorf("--isolation container needs the vfs storage driver (no mounts in a container), not %q: use --storage-driver vfs", d)
	}
	if j.Layers {
		return fmt.Errorf("--layers: container isolation commits one layer per stage")
	}
	if j.NoNetwork {
		return fmt.Errorf("--network none: container isolation cannot take a step's network away (no namespaces)")
	}
	if len(j.Values) > 0 && j.BuildDir == "" {
		return fmt.Errorf("container isolation with secrets needs a tmpfs (/dev/shm, or $HUSH_TMPFS)")
	}
	return nil
}

// pull makes sure name is in storage, per the pull policy, once.
func (j Job) pull(ctx context.Context, store storage.Store, name string, pulled map[string]string) error {
	if _, ok := pulled[name]; ok {
		return nil
	}
	id, err := buildah.Pull(ctx, name, buildah.PullOptions{
		Store: store, SystemContext: j.Sys, ReportWriter: j.Report, PullPolicy: j.PullPolicy,
	})
	if err != nil {
		return fmt.Errorf("pulling %s: %w", name, err)
	}
	pulled[name] = id
	return nil
}

// extractBaseLayer writes one of the base image's layers over /. It reads
// the layer as the guard does (layertar): store.Diff would open a member
// named "/../../x" at the container's own /x.
func extractBaseLayer(ctx context.Context, store storage.Store, layerID string, ign *ignoreList) error {
	rc, err := layertar.OpenStorage(ctx, store, layerID)
	if err != nil {
		return err
	}
	defer rc.Close()
	return extractLayer("/", rc, ign)
}

// imageRoot is the directory holding an image's whole filesystem: with the
// vfs driver, its top layer's directory, no mount needed.
func imageRoot(store storage.Store, id string) (string, error) {
	img, err := store.Image(id)
	if err != nil {
		return "", err
	}
	d, err := store.GraphDriver()
	if err != nil {
		return "", err
	}
	return d.Get(img.TopLayer, graphdriver.MountOpts{})
}

// putImageRoots: the vfs driver's Get holds nothing to release.
func putImageRoots(storage.Store) {}

// stageIndex finds a stage by name or position, searching from the back
// as docker does.
func stageIndex(stages imagebuilder.Stages, name string) (int, bool) {
	for i := len(stages) - 1; i >= 0; i-- {
		if stages[i].Name == name {
			return i, true
		}
	}
	if n, err := strconv.Atoi(name); err == nil && n >= 0 && n < len(stages) {
		return n, true
	}
	return 0, false
}

// copyFroms lists the --from= values of a stage's COPY instructions, so
// images named there are pulled before / changes.
func copyFroms(node *parser.Node) []string {
	var out []string
	for _, c := range node.Children {
		if !strings.EqualFold(c.Value, "copy") {
			continue
		}
		for _, f := range c.Flags {
			if v, ok := strings.CutPrefix(f, "--from="); ok && !strings.Contains(v, "$") {
				out = append(out, v)
			}
		}
	}
	return out
}

// ignoreList keeps what the build needs out of the stage's root.
func (j Job) ignoreList(store storage.Store, stepDir string) (*ignoreList, error) {
	mi, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	extra := []string{store.GraphRoot(), store.RunRoot(), stepDir, j.BuildDir, j.ContextDir, j.Dockerfile}
	if exe, err := os.Executable(); err == nil {
		extra = append(extra, ownDirOf(exe))
	}
	extra = append(extra, j.Keep...)
	if j.Sys != nil && j.Sys.AuthFilePath != "" {
		extra = append(extra, j.Sys.AuthFilePath)
	}
	if base, err := rundir.TmpfsBase(); err == nil {
		extra = append(extra, base)
	}
	for _, e := range extra {
		if e != "" && filepath.Clean(e) == "/" {
			return nil, fmt.Errorf("container isolation cannot keep %s: it is /", e)
		}
	}
	return newIgnoreList(string(mi), extra...), nil
}

// lockContainerMode allows one container-isolation build at a time per
// store: two would rewrite the same /.
func lockContainerMode(store storage.Store) (func(), error) {
	path := filepath.Join(store.GraphRoot(), stagingDirName, "lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("container isolation lock: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("another container-isolation build is running in this container (it owns /)")
		}
		return nil, fmt.Errorf("container isolation lock: %w", err)
	}
	return func() { f.Close() }, nil
}

// stepDirPrefix names the directory, beside the builds' tmpfs directories,
// holding a container-isolation build's step secrets. It is 0711, unlike
// the build's own directory, so a step running as another user reaches the
// one file made for it (mode and owner as its --mount asks) without being
// able to list the directory.
const stepDirPrefix = "hush-steps-"

// runningStepFile, in the step directory, names the running step's
// process (<pid>-<start>), whose process group a sweep ends if hush died.
const runningStepFile = "running"

func makeStepDir(owner string) (string, error) {
	base, err := rundir.TmpfsBase()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(filepath.Dir(base), stepDirPrefix+owner)
	if err := os.Mkdir(dir, 0o711); err != nil {
		return "", fmt.Errorf("step secrets directory: %w", err)
	}
	if err := os.Chmod(dir, 0o711); err != nil {
		return "", err
	}
	return dir, nil
}

// Sweep removes what dead container-isolation builds left: their step
// directories (secret values on tmpfs) and staging directories, and the /
// one left half built. It returns how many directories it removed.
func Sweep(store storage.Store) int { return sweepStepDirs() + sweepStaging(store) }

// sweepStepDirs removes the step directories of dead builds.
func sweepStepDirs() int {
	base, err := rundir.TmpfsBase()
	if err != nil {
		return 0
	}
	n := 0
	entries, _ := os.ReadDir(filepath.Dir(base))
	for _, e := range entries {
		tag, ok := strings.CutPrefix(e.Name(), stepDirPrefix)
		if !ok || !e.IsDir() || rundir.OwnerAlive(tag) {
			continue
		}
		dir := filepath.Join(filepath.Dir(base), e.Name())
		if b, err := os.ReadFile(filepath.Join(dir, runningStepFile)); err == nil {
			// Pdeathsig took the step's first process; what it started in
			// its process group is ended here.
			if pgid, err := strconv.Atoi(strings.SplitN(string(b), "-", 2)[0]); err == nil && pgid > 1 {
				killGroup(pgid)
			}
		}
		if os.RemoveAll(filepath.Join(filepath.Dir(base), e.Name())) == nil {
			n++
		}
	}
	return n
}

// sweepStaging removes the staging directories of dead builds, and clears
// the / a dead build left half built (with whatever its steps wrote),
// unless a live container-isolation build owns / now.
func sweepStaging(store storage.Store) int {
	dir := filepath.Join(store.GraphRoot(), stagingDirName)
	entries, _ := os.ReadDir(dir)
	n := 0
	for _, e := range entries {
		if !e.IsDir() || rundir.OwnerAlive(e.Name()) {
			continue
		}
		restoreDeadRoot(store, filepath.Join(dir, e.Name()))
		if os.RemoveAll(filepath.Join(dir, e.Name())) == nil {
			n++
		}
	}
	return n
}

// restoreDeadRoot brings / back for a dead build whose staging directory
// is dir: only the / that build rewrote (a store shared with the host, on a
// volume, must never make a sweep there clear the host's /), and only if
// no live build owns / now.
func restoreDeadRoot(store storage.Store, dir string) {
	var saved savedRoot
	b, err := os.ReadFile(filepath.Join(dir, rootStateFile))
	if err != nil || json.Unmarshal(b, &saved) != nil {
		return
	}
	if id := rootIdentity(); id == "" || id != saved.Root {
		return
	}
	unlock, err := lockContainerMode(store)
	if err != nil {
		return
	}
	defer unlock()
	top := saved.Dir
	if top == "" {
		top = "/"
	}
	_ = restoreRoot(top, &ignoreList{paths: saved.Ignore}, saved.Skeleton)
}

// rootStateFile, in a build's staging directory, records what / must be
// brought back to if the build dies: the ignore list and the top level.
const rootStateFile = "root.json"

type savedRoot struct {
	Ignore   []string
	Skeleton []topEntry
	Root     string // rootIdentity of the / being rewritten
	Dir      string // the stage root ("" is /; restricted isolation's tree)
}

// rootIdentity names this mount namespace's root filesystem: the mount
// source and options of / (for a container, its overlay's own upper
// directory), "" if unknown.
func rootIdentity() string {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return ""
	}
	return rootIdentityIn(string(b))
}

func rootIdentityIn(mountinfo string) string {
	for _, line := range strings.Split(mountinfo, "\n") {
		pre, post, ok := strings.Cut(line, " - ")
		f := strings.Fields(pre)
		if !ok || len(f) < 5 || f[4] != "/" {
			continue
		}
		return f[2] + " " + f[3] + " " + post
	}
	return ""
}

// topEntry is one top-level directory or symlink of / as the container
// began (the image's /tmp, /etc, a usr-merge /lib link): recreated empty
// when the build ends, so the container's tools keep their places.
type topEntry struct {
	Name     string
	Mode     os.FileMode
	UID, GID int
	Link     string
}

func topLevel(root string, ign *ignoreList) ([]topEntry, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	var out []topEntry
	for _, e := range entries {
		p := filepath.Join("/", e.Name())
		if ign.ignored(p) || ign.holds(p) {
			continue
		}
		var st unix.Stat_t
		if err := unix.Lstat(filepath.Join(root, p), &st); err != nil {
			continue
		}
		t := topEntry{Name: e.Name(), Mode: os.FileMode(st.Mode & 0o7777), UID: int(st.Uid), GID: int(st.Gid)}
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFDIR:
		case unix.S_IFLNK:
			t.Link, _ = os.Readlink(filepath.Join(root, p))
		default:
			continue
		}
		out = append(out, t)
	}
	return out, nil
}

// restoreRoot clears root of everything not ignored and puts the top-level
// entries back, empty.
func restoreRoot(root string, ign *ignoreList, skel []topEntry) error {
	if err := clearRoot(root, ign); err != nil {
		return err
	}
	var errs []error
	for _, t := range skel {
		p := filepath.Join(root, t.Name)
		if _, err := os.Lstat(p); err == nil {
			continue
		}
		if t.Link != "" {
			errs = append(errs, os.Symlink(t.Link, p))
			continue
		}
		if err := os.Mkdir(p, 0o700); err != nil {
			errs = append(errs, err)
			continue
		}
		errs = append(errs, lchownBack(p, t.UID, t.GID), unix.Chmod(p, uint32(t.Mode)))
	}
	return errors.Join(errs...)
}

// killGroup ends every process in process group pgid (the group outlives
// its leader).
func killGroup(pgid int) {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 1 {
			continue
		}
		if g, err := unix.Getpgid(pid); err == nil && g == pgid {
			_ = unix.Kill(pid, unix.SIGKILL)
		}
	}
}

// systemTop are top-level directories a base image provides: hush's own
// directory is never one of them.
var systemTop = map[string]bool{
	"bin": true, "sbin": true, "usr": true, "lib": true, "lib32": true, "lib64": true, "libx32": true,
	"etc": true, "var": true, "opt": true, "home": true, "root": true, "tmp": true, "run": true,
	"srv": true, "mnt": true, "media": true, "boot": true,
}

// ownDirOf is what of hush's installation the ignore list keeps: a
// top-level directory of its own (the image's /hush, with its libraries,
// configuration and TMPDIR), else its bin directory unless that is a
// system one, else the executable alone.
func ownDirOf(exe string) string {
	exe = filepath.Clean(exe)
	top := strings.SplitN(strings.TrimPrefix(exe, "/"), "/", 2)[0]
	if strings.Count(exe, "/") > 1 && !systemTop[top] {
		return "/" + top
	}
	switch d := filepath.Dir(exe); d {
	case "/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/":
		return exe
	default:
		return d
	}
}

// removeChanges deletes from root what changed since before (every added
// or modified file, link and added directory: whatever a step wrote), so
// what remains is the stage's base image; top-level entries of the
// skeleton a step removed come back empty.
func removeChanges(root string, ign *ignoreList, before rootState, skel []topEntry, bin *trash) error {
	after, err := scanRoot(root, ign)
	if err != nil {
		return restoreRoot(root, ign, skel)
	}
	var doomed []string
	for _, c := range changes(before, after) {
		if c.Kind == archive.ChangeDelete {
			continue
		}
		if b, ok := before[c.Path]; ok && b.mode&unix.S_IFMT == unix.S_IFDIR && after[c.Path].mode&unix.S_IFMT == unix.S_IFDIR {
			continue // a directory of the base whose entries changed
		}
		doomed = append(doomed, filepath.Join(root, c.Path))
	}
	// changes lists a new directory and its entries: moving the directory
	// takes them along, and moving them is then a no-op.
	errs := []error{bin.removeAll(doomed)}
	for _, t := range skel {
		p := filepath.Join(root, t.Name)
		if _, err := os.Lstat(p); err == nil {
			continue
		}
		if t.Link != "" {
			errs = append(errs, os.Symlink(t.Link, p))
		} else if err := os.Mkdir(p, 0o700); err == nil {
			errs = append(errs, lchownBack(p, t.UID, t.GID), unix.Chmod(p, uint32(t.Mode)))
		}
	}
	return errors.Join(errs...)
}
