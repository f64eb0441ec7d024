package cmode

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	docker "github.com/fsouza/go-dockerclient"
	"github.com/hushbuild/hush/builder/internal/rundir"
	buildkitparser "github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/sys/user"
	"github.com/openshift/imagebuilder"
	"go.podman.io/buildah/copier"
	"go.podman.io/storage/pkg/idtools"
	"golang.org/x/sys/unix"

	"github.com/hushbuild/hush/internal/fakeroot"
	"github.com/hushbuild/hush/secrets"
)

// rootExecutor is imagebuilder's Executor for container isolation: RUN
// executes in hush's own root filesystem, COPY and ADD write there.
type rootExecutor struct {
	// fake is restricted isolation's fake root (nil: container
	// isolation), root the stage root (restricted.go).
	fake *fakeroot.Owners
	root string

	ctx        context.Context
	contextDir string
	stdout     io.Writer
	stderr     io.Writer
	// stepDir holds the value files of the running step's secrets (tmpfs).
	stepDir string
	values  map[string]secrets.Secret
	// transient are hush's --secret target=/arg= mounts, in every step.
	transient []secretMount
	// fromRoot returns the root directory of a stage or image named in
	// COPY --from.
	fromRoot func(name string) (string, error)
}

var _ imagebuilder.Executor = (*rootExecutor)(nil)

func (e *rootExecutor) Preserve(string) error { return nil }

func (e *rootExecutor) EnsureContainerPath(path string) error {
	return e.EnsureContainerPathAs(path, "", nil)
}

func (e *rootExecutor) EnsureContainerPathAs(path, owner string, mode *os.FileMode) error {
	path = e.host(path)
	if fi, err := os.Stat(path); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%s exists and is not a directory", path)
		}
		return nil
	}
	var made []string
	for d := path; d != "/"; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil {
			break
		}
		made = append([]string{d}, made...)
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return err
	}
	u, err := e.lookupUser(owner)
	if err != nil {
		return err
	}
	for _, d := range made {
		if err := e.lchown(d, u.Uid, u.Gid); err != nil {
			return err
		}
		if mode != nil {
			if err := os.Chmod(d, *mode); err != nil {
				return err
			}
		}
	}
	return nil
}

func (e *rootExecutor) UnrecognizedInstruction(step *imagebuilder.Step) error {
	return fmt.Errorf("unknown instruction %q", step.Command)
}

// lookupUser resolves USER (name or uid, optional :group) in the stage's
// /etc/passwd and /etc/group, which are the root's own here.
func (e *rootExecutor) lookupUser(spec string) (*user.ExecUser, error) {
	// Under the stage root: restricted isolation's /etc is not hush's.
	u, err := user.GetExecUserPath(spec, &user.ExecUser{Home: "/"}, e.host("/etc/passwd"), e.host("/etc/group"))
	if err != nil {
		return nil, fmt.Errorf("user %q: %w", spec, err)
	}
	return u, nil
}

func (e *rootExecutor) Run(run imagebuilder.Run, config docker.Config) error {
	args, err := runArgs(run, config)
	if err != nil {
		return err
	}
	st := stepSecrets{root: e.root, chown: e.lchown}
	defer func() { _ = st.remove() }()
	for _, spec := range run.Mounts {
		m, err := parseRunMount(spec)
		if err != nil {
			return err
		}
		if err := st.place(e.stepDir, m, e.values); err != nil {
			return err
		}
	}
	for _, m := range e.transient {
		if err := st.place(e.stepDir, m, e.values); err != nil {
			return err
		}
	}
	if run.Network == "none" {
		return fmt.Errorf("RUN --network=none: container isolation cannot take a step's network away (no namespaces)")
	}
	u, err := e.lookupUser(config.User)
	if err != nil {
		return err
	}
	env := append([]string{}, config.Env...)
	if !hasEnv(env, "PATH") {
		env = append(env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
	}
	if !hasEnv(env, "HOME") {
		env = append(env, "HOME="+u.Home)
	}
	env = append(env, st.env...)
	dir := config.WorkingDir
	if dir == "" {
		dir = "/"
	}
	if err := e.EnsureContainerPathAs(dir, config.User, nil); err != nil {
		return err
	}
	prog, err := lookPathIn(args[0], env, dir)
	if err != nil {
		return err
	}
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		return err
	}
	defer devNull.Close()
	groups := make([]uint32, 0, len(u.Sgids))
	for _, g := range u.Sgids {
		groups = append(groups, uint32(g))
	}
	// The step's output goes through pipes of our own, not exec's: exec
	// waits until every holder of its pipe is gone, and a background
	// process the step started holds it until we kill it, after Wait.
	outR, outW, err := os.Pipe()
	if err != nil {
		return err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return err
	}
	copied := make(chan struct{}, 2)
	for _, c := range []struct {
		r *os.File
		w io.Writer
	}{{outR, e.stdout}, {errR, e.stderr}} {
		go func() {
			_, _ = io.Copy(c.w, c.r)
			c.r.Close()
			copied <- struct{}{}
		}()
	}
	drain := func() {
		outW.Close()
		errW.Close()
		// A process that escaped the reaping keeps the pipes open: stop
		// reading rather than wait for it.
		timeout := time.After(10 * time.Second)
		for range 2 {
			select {
			case <-copied:
			case <-timeout:
				outR.Close()
				errR.Close()
				return
			}
		}
	}
	cmd := &exec.Cmd{
		Path: prog, Args: args, Env: env, Dir: dir,
		Stdin: devNull, Stdout: outW, Stderr: errW,
		SysProcAttr: &syscall.SysProcAttr{
			Setpgid:    true,
			Pdeathsig:  syscall.SIGKILL, // hush killed: its step dies with it
			Credential: &syscall.Credential{Uid: uint32(u.Uid), Gid: uint32(u.Gid), Groups: groups},
		},
	}
	// With buildah's default capabilities, not hush's: a root step then
	// cannot read the job shell's environment (internal/stepcaps).
	release, err := e.start(cmd, u.Uid, u.Gid)
	if err != nil {
		drain()
		return fmt.Errorf("starting %s: %w", args[0], err)
	}
	defer release() // after Wait: the forking thread carries Pdeathsig
	stop := context.AfterFunc(e.ctx, func() { _ = unix.Kill(-cmd.Process.Pid, unix.SIGKILL) })
	// If hush dies, Pdeathsig ends the step's first process; the next
	// sweep ends its process group from this note.
	running := filepath.Join(e.stepDir, runningStepFile)
	_, start, _ := rundir.ProcStat(cmd.Process.Pid)
	_ = os.WriteFile(running, []byte(fmt.Sprintf("%d-%s", cmd.Process.Pid, start)), 0o600)
	err = cmd.Wait()
	_ = os.Remove(running)
	stop()
	// Nothing a step started outlives it: its process group, then every
	// orphan it left (hush is their subreaper).
	_ = unix.Kill(-cmd.Process.Pid, unix.SIGKILL)
	reapOrphans()
	drain()
	if rerr := st.remove(); rerr != nil && err == nil {
		return fmt.Errorf("removing the step's secret files: %w", rerr)
	}
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ee.ExitCode() < 0 {
				return fmt.Errorf("step killed: %v", ee.ProcessState)
			}
			return fmt.Errorf("exit status %d", ee.ExitCode())
		}
		return err
	}
	return e.ctx.Err()
}

// runArgs is the command line of a RUN: its shell form through SHELL (or
// /bin/sh -c), heredocs as buildah's stage executor joins them.
func runArgs(run imagebuilder.Run, config docker.Config) ([]string, error) {
	args := run.Args
	if len(run.Files) > 0 {
		if h := buildkitparser.MustParseHeredoc(args[0]); h != nil {
			if strings.HasPrefix(run.Files[0].Data, "#!") || strings.HasPrefix(run.Files[0].Data, "\n#!") {
				return nil, fmt.Errorf("RUN with a #! heredoc is not supported with container isolation")
			}
			args = []string{run.Files[0].Data}
		} else {
			var full strings.Builder
			full.WriteString(args[0])
			for _, f := range run.Files {
				full.WriteString(f.Data + "\n" + f.Name)
			}
			args = []string{full.String()}
		}
	}
	if run.Shell {
		shell := config.Shell
		if len(shell) == 0 {
			shell = []string{"/bin/sh", "-c"}
		}
		args = append(append([]string{}, shell...), strings.Join(args, " "))
	}
	if len(args) == 0 || args[0] == "" {
		return nil, fmt.Errorf("RUN: empty command")
	}
	return args, nil
}

func hasEnv(env []string, name string) bool {
	for _, kv := range env {
		if strings.HasPrefix(kv, name+"=") {
			return true
		}
	}
	return false
}

// lookPathIn finds prog on the step's PATH (not hush's).
func lookPathIn(prog string, env []string, dir string) (string, error) {
	if strings.Contains(prog, "/") {
		if !filepath.IsAbs(prog) {
			prog = filepath.Join(dir, prog)
		}
		return prog, nil
	}
	path := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	for _, d := range filepath.SplitList(path) {
		if d == "" {
			d = "."
		}
		p := filepath.Join(d, prog)
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("RUN: %s: not found on the step's PATH", prog)
}

// reapOrphans kills and reaps the processes reparented to hush (the child
// subreaper) once a step has ended: what a step ran in the background.
func reapOrphans() {
	self := os.Getpid()
	// Processes of a killed group reach us only once their parent is
	// gone: look until three scans in a row find none.
	for quiet, tries := 0, 0; quiet < 3 && tries < 300; tries++ {
		time.Sleep(10 * time.Millisecond)
		found := false
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			pid := 0
			if _, err := fmt.Sscan(e.Name(), &pid); err != nil || pid <= 0 {
				continue
			}
			if ppid(pid) != self {
				continue
			}
			found = true
			_ = unix.Kill(pid, unix.SIGKILL)
			var ws unix.WaitStatus
			_, _ = unix.Wait4(pid, &ws, 0, nil)
		}
		if found {
			quiet = 0
		} else {
			quiet++
		}
	}
}

func ppid(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0
	}
	n := 0
	_, _ = fmt.Sscan(f[1], &n)
	return n
}

func (e *rootExecutor) Copy(excludes []string, copies ...imagebuilder.Copy) error {
	for _, c := range copies {
		if err := e.copy(excludes, c); err != nil {
			return err
		}
	}
	return nil
}

func (e *rootExecutor) copy(excludes []string, c imagebuilder.Copy) error {
	what := "COPY"
	if c.Download {
		what = "ADD"
	}
	root := e.contextDir
	if c.From != "" {
		r, err := e.fromRoot(c.From)
		if err != nil {
			return fmt.Errorf("%s --from=%s: %w", what, c.From, err)
		}
		root = r
		excludes = nil
	}
	excludes = append(append([]string{}, excludes...), c.Excludes...)
	var ids *idtools.IDPair
	if c.Chown != "" {
		u, err := e.lookupUser(c.Chown)
		if err != nil {
			return fmt.Errorf("%s --chown: %w", what, err)
		}
		ids = &idtools.IDPair{UID: u.Uid, GID: u.Gid}
	} else {
		ids = &idtools.IDPair{UID: 0, GID: 0}
	}
	dest := c.Dest
	destIsDir := strings.HasSuffix(dest, "/") || len(c.Src) > 1
	dest = filepath.Clean("/" + dest)
	if fi, err := os.Stat(e.host(dest)); err == nil && fi.IsDir() {
		destIsDir = true
	}
	if len(c.Files) > 0 {
		// COPY <<EOF: heredoc files go to dest.
		for _, f := range c.Files {
			p := e.host(dest)
			if destIsDir || len(c.Files) > 1 {
				p = filepath.Join(e.host(dest), f.Name)
			}
			mkdir := func(d string) error { return mkdirAllOwned(d, ids.UID, ids.GID) }
			if e.fake != nil {
				// hush's uid cannot chown; the fake root records the owner.
				mkdir = func(d string) error { return os.MkdirAll(d, 0o755) }
			}
			if err := mkdir(filepath.Dir(p)); err != nil {
				return err
			}
			if err := os.WriteFile(p, []byte(f.Data), 0o644); err != nil {
				return err
			}
			if err := e.lchown(p, ids.UID, ids.GID); err != nil {
				return err
			}
		}
		return nil
	}
	var globs []string
	for _, s := range c.Src {
		if strings.Contains(s, "://") {
			return fmt.Errorf("%s %s: URLs are not supported with container isolation", what, s)
		}
		globs = append(globs, filepath.Join(root, filepath.Clean("/"+s)))
	}
	stats, err := copier.Stat(root, root, copier.StatOptions{Excludes: excludes, CheckForArchives: c.Download}, globs)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	single := ""
	for _, st := range stats {
		if st.Error != "" {
			return fmt.Errorf("%s %s: %s", what, strings.TrimPrefix(st.Glob, root), st.Error)
		}
		if len(st.Globbed) == 0 {
			return fmt.Errorf("%s %s: no such file or directory", what, strings.TrimPrefix(st.Glob, root))
		}
		for _, g := range st.Globbed {
			item := st.Results[g]
			if item == nil {
				continue
			}
			if item.IsDir || len(st.Globbed) > 1 || (c.Download && item.IsArchive) {
				destIsDir = true
			} else {
				single = filepath.Base(g)
			}
		}
	}
	putDir, rename := dest, map[string]string(nil)
	if !destIsDir && single != "" {
		putDir = filepath.Dir(dest)
		if filepath.Base(dest) != single {
			rename = map[string]string{single: filepath.Base(dest)}
		}
	}
	get := copier.GetOptions{Excludes: excludes, ExpandArchives: c.Download, ChownDirs: ids, ChownFiles: ids, Chmod: c.Chmod, Parents: c.Parents}
	// Missing parents of dest are the --chown owner's, as buildah, BuildKit
	// and kaniko make them (root's without --chown).
	put := copier.PutOptions{Rename: rename, DefaultDirOwner: ids}
	if e.fake != nil {
		// Made as hush's uid; the fake root records what root's would be.
		put.DefaultDirOwner = &idtools.IDPair{UID: os.Geteuid(), GID: os.Getegid()}
	}
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		err := copier.Get(root, root, get, globs, pw)
		pw.CloseWithError(err)
		errc <- err
	}()
	var in io.Reader = pr
	var pend *fakeroot.Pending
	if e.fake != nil {
		rc, p := e.fake.Incoming(pr)
		defer rc.Close()
		in, pend = rc, p
	}
	perr := copier.Put(e.host("/"), putDir, put, in)
	pr.CloseWithError(perr)
	if perr == nil && pend != nil {
		perr = pend.Record(e.host(putDir), rename)
	}
	gerr := <-errc
	if gerr != nil {
		return fmt.Errorf("%s: reading %s: %w", what, strings.Join(c.Src, " "), gerr)
	}
	if perr != nil {
		return fmt.Errorf("%s: writing %s: %w", what, dest, perr)
	}
	return nil
}

// mkdirAllOwned makes dir and its missing parents (0755), each new one
// owned by uid:gid.
func mkdirAllOwned(dir string, uid, gid int) error {
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%s: not a directory", dir)
		}
		return nil
	}
	if parent := filepath.Dir(dir); parent != dir {
		if err := mkdirAllOwned(parent, uid, gid); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o755); err != nil && !os.IsExist(err) {
		return err
	}
	return os.Lchown(dir, uid, gid)
}
