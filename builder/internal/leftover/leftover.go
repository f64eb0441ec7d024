// Package leftover is the journal of what a build creates outside its
// tmpfs directory: the context it unpacks from stdin (which may hold
// credential files) and the unpacker's temporary beside it, on disk in
// TMPDIR. A build lists each path in its tmpfs directory before it creates
// it; the sweep that finds the build dead unmounts what is mounted on or
// over those paths (buildah's overlay over the context, as root) and
// removes them.
//
// It owns that list and its sweep. It must not import builder: the
// builder's journal and sweep (builder/journal.go, sweep.go) call it.
package leftover

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// File is the list's name in a build's directory.
const File = "leftovers"

// Record adds path to the list in dir. Call it before creating path, so a
// kill between the two leaves nothing unlisted.
func Record(dir, path string) error {
	if !filepath.IsAbs(path) || strings.ContainsRune(path, '\n') {
		return fmt.Errorf("recording %q: want an absolute path on one line", path)
	}
	f, err := os.OpenFile(filepath.Join(dir, File), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("recording a temporary directory: %w", err)
	}
	_, err = f.WriteString(filepath.Clean(path) + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("recording a temporary directory: %w", err)
	}
	return nil
}

// Sweep removes what the list in a dead build's dir names, and the list:
// first the mounts on, under or over (as an overlay's lower directory)
// each path, then each path that is a directory or file of this user's. It
// returns how many paths it removed.
func Sweep(dir string) int {
	b, err := os.ReadFile(filepath.Join(dir, File))
	if err != nil {
		return 0
	}
	var paths []string
	for _, p := range strings.Split(string(b), "\n") {
		if filepath.IsAbs(p) {
			paths = append(paths, filepath.Clean(p))
		}
	}
	unmount(paths)
	n := 0
	for _, p := range paths {
		if owned(p) && os.RemoveAll(p) == nil {
			n++
		}
	}
	_ = os.Remove(filepath.Join(dir, File))
	return n
}

// owned: p is a directory or regular file (not a symlink) this user owns:
// a name in a shared /tmp that another user took after ours was gone is
// left alone.
func owned(p string) bool {
	var st unix.Stat_t
	if unix.Lstat(p, &st) != nil || int(st.Uid) != os.Geteuid() {
		return false
	}
	return st.Mode&unix.S_IFMT == unix.S_IFDIR || st.Mode&unix.S_IFMT == unix.S_IFREG
}

// unmount detaches the mounts on or under the paths, and the overlays
// that use one as a lower directory; buildah mounts such an overlay over
// the context in TMPDIR/buildah-context-*, whose scaffolding goes too.
func unmount(paths []string) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil || len(paths) == 0 {
		return
	}
	var points, scaffolds []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		point, lowers, ok := parseMountinfo(sc.Text())
		if !ok {
			continue
		}
		for _, p := range paths {
			if under(point, p) {
				points = append(points, point)
				break
			}
			if lowerOf(lowers, p) {
				points = append(points, point)
				if s := scaffold(point); s != "" {
					scaffolds = append(scaffolds, s)
				}
				break
			}
		}
	}
	// Deepest first, so parents are free when their turn comes.
	sort.Slice(points, func(i, j int) bool { return len(points[i]) > len(points[j]) })
	for _, m := range points {
		_ = unix.Unmount(m, unix.MNT_DETACH)
	}
	for _, s := range scaffolds {
		if owned(s) {
			_ = os.RemoveAll(s)
		}
	}
}

// parseMountinfo returns a mountinfo line's mount point and, for an
// overlay, its lowerdir option.
func parseMountinfo(line string) (point, lowers string, ok bool) {
	pre, post, found := strings.Cut(line, " - ")
	f := strings.Fields(pre)
	if !found || len(f) < 5 {
		return "", "", false
	}
	point = unescape(f[4])
	g := strings.Fields(post)
	if len(g) >= 3 && g[0] == "overlay" {
		for _, o := range strings.Split(g[2], ",") {
			if v, ok := strings.CutPrefix(o, "lowerdir="); ok {
				lowers = unescape(v)
			}
		}
	}
	return point, lowers, true
}

// unescape undoes mountinfo's octal escapes (\040 for a space).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var v byte
			okOct := true
			for _, c := range []byte(s[i+1 : i+4]) {
				if c < '0' || c > '7' {
					okOct = false
					break
				}
				v = v*8 + c - '0'
			}
			if okOct {
				b.WriteByte(v)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func under(p, dir string) bool { return p == dir || strings.HasPrefix(p, dir+"/") }

func lowerOf(lowers, p string) bool {
	for _, l := range strings.Split(lowers, ":") {
		if l != "" && under(l, p) {
			return true
		}
	}
	return false
}

// scaffold is the buildah-context-* directory a context overlay is
// mounted in, or "".
func scaffold(point string) string {
	for d := point; d != "/" && d != "."; d = filepath.Dir(d) {
		if strings.HasPrefix(filepath.Base(d), "buildah-context-") {
			return d
		}
	}
	return ""
}
