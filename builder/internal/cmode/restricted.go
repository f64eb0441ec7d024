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
	"time"

	"github.com/hushbuild/hush/audit/layertar"
	"github.com/hushbuild/hush/internal/fakeroot"
	"github.com/hushbuild/hush/internal/stepcaps"
	"go.podman.io/storage"
)

// Restricted isolation (Job.Restricted) is container isolation for a
// non-root uid with no capabilities and no user namespaces. Two things
// differ, and this file holds both:
//   - where: the stage's root is Job.Root (/hush/root), a tree hush's
//     image makes writable to any uid and links its top-level names into
//     (/usr -> /hush/root/usr), since a container's / is root's;
//   - who: steps run under internal/fakeroot, which records their chown
//     and mknod calls, and those records (with the base layers' headers)
//     give the committed layer the owners a root build gives.

// stageRoot is where the job's stages are built: the tree hush's image
// links its top-level names into for restricted isolation, / itself for
// root's container isolation (which replaces those links while it runs).
func (j Job) stageRoot() string {
	if j.Restricted {
		return j.Root
	}
	return "/"
}

// newOwners is the build's fake-root records, nil for container isolation.
func (j Job) newOwners() *fakeroot.Owners {
	if !j.Restricted {
		return nil
	}
	o := fakeroot.New()
	// Docker's init layer makes /etc a directory of root's, and / is
	// root's: steps' /etc paths, and top-level names, lead into the stage
	// root through the fake root.
	o.Translate(j.Root)
	// (And top-level names / does not have: steps' paths there too.)
	return o
}

// under translates the ignore list for a stage root other than /: a mount
// point inside root (Docker's /etc/hosts lands at /hush/root/etc/hosts
// through the /etc link) is kept at its path in the stage.
func (l *ignoreList) under(root string) *ignoreList {
	if root == "/" {
		return l
	}
	out := &ignoreList{}
	for _, p := range []string{"/proc", "/sys", "/dev"} {
		out.add(p) // the stage's own /etc/mtab is no mount here
	}
	for _, p := range l.paths {
		if rel, ok := strings.CutPrefix(p, root+"/"); ok {
			out.add("/" + rel)
		}
	}
	return out
}

// lchownBack gives a top-level directory made again its first owner; a
// non-root uid (restricted isolation) keeps its own.
func lchownBack(p string, uid, gid int) error {
	if err := os.Lchown(p, uid, gid); err != nil && os.Geteuid() == 0 {
		return err
	}
	return nil
}

// extractBaseLayerTo is extractBaseLayer into root; with the fake root,
// owners and devices the layer names are recorded rather than set.
func extractBaseLayerTo(ctx context.Context, store storage.Store, root, layerID string, ign *ignoreList, own *fakeroot.Owners) error {
	if own == nil && root == "/" {
		return extractBaseLayer(ctx, store, layerID, ign)
	}
	rc, err := layertar.OpenStorage(ctx, store, layerID)
	if err != nil {
		return err
	}
	defer rc.Close()
	var r io.Reader = rc
	var pend *fakeroot.Pending
	if own != nil {
		in, p := own.Incoming(rc)
		defer in.Close()
		r, pend = in, p
	}
	if err := extractLayer(root, r, ign); err != nil {
		return err
	}
	if pend != nil {
		return pend.Record(root, nil)
	}
	return nil
}

// checkLinks makes sure steps reach every top-level entry of the stage
// root through /: the image links the usual names; a base with another
// (/app) needs one too, which only root can make in /.
func checkLinks(root, base string) error {
	if root == "/" {
		return nil
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name() == "etc" {
			continue // linked, or translated by the fake root (newOwners)
		}
		want := filepath.Join(root, e.Name())
		if l, err := os.Readlink("/" + e.Name()); err == nil && filepath.Clean(l) == want {
			continue
		}
		if _, err := os.Lstat("/" + e.Name()); errors.Is(err, os.ErrNotExist) {
			continue // not in /: the fake root translates steps' paths there
		}
		if err := os.Symlink(want, "/"+e.Name()); err != nil {
			return fmt.Errorf("restricted isolation: %s has /%s, which steps cannot reach: this container's / has no link /%s -> %s and is not writable by uid %d (add the link to hush's image, scripts/image.sh)", base, e.Name(), e.Name(), want, os.Geteuid())
		}
	}
	return nil
}

// scanOwned is scanRoot with the owners the fake root recorded.
func scanOwned(root string, ign *ignoreList, own *fakeroot.Owners) (rootState, error) {
	s, err := scanRoot(root, ign)
	if err != nil || own == nil {
		return s, err
	}
	for p, st := range s {
		if u, g, err := own.OwnerOf(filepath.Join(root, p)); err == nil {
			st.uid, st.gid = u, g
			s[p] = st
		}
	}
	return s, nil
}

// layerOwners rewrites an exported layer's owners (nil: the disk's).
func layerOwners(own *fakeroot.Owners, root string) func(io.ReadCloser) io.ReadCloser {
	if own == nil {
		return nil
	}
	return func(rc io.ReadCloser) io.ReadCloser { return own.Outgoing(root, rc) }
}

// host is where the stage's path p is in this container: under the stage
// root (restricted isolation's /hush/root: a new top-level name cannot be
// made in /), or p itself.
func (e *rootExecutor) host(p string) string {
	p = filepath.Clean("/" + p)
	if e.root == "" || e.root == "/" {
		return p
	}
	return filepath.Join(e.root, p)
}

// lchown sets an owner, or records it under the fake root.
func (e *rootExecutor) lchown(path string, uid, gid int) error {
	if e.fake != nil {
		return e.fake.Lchown(path, uid, gid)
	}
	return os.Lchown(path, uid, gid)
}

// start starts a RUN step: under the fake root (as hush's uid, which it
// takes for root), or with the step user's credentials and buildah's
// default capabilities (internal/stepcaps).
func (e *rootExecutor) start(cmd *exec.Cmd, uid, gid int) (release func(), err error) {
	if e.fake == nil {
		return stepcaps.Start(cmd)
	}
	cmd.SysProcAttr.Credential = nil
	// Filesystem timestamps come from a coarse clock (a tick behind);
	// the previous step ended more than the orphan reaping's 30 ms ago.
	started := time.Now().Add(-5 * time.Millisecond)
	stop, err := e.fake.StartAs(cmd, uid, gid)
	if err != nil || uid == 0 {
		return stop, err
	}
	return func() {
		stop()
		// A non-root USER's step made its files as that user.
		_ = e.fake.ClaimNew(e.root, started, uid, gid)
	}, nil
}
