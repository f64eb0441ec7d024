package cmode

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// A RUN step in container isolation runs as root in hush's own container:
// it can rewrite hush's directory (/hush in hush's image: a first build
// replaced /hush/bin/hush with a wrapper, and the next build handed its
// secret to it) or park a value there, where it outlives the build
// unscanned. hush cannot stop the write without namespaces, so it notices:
// it fingerprints its own directory before and after every step (paths,
// types, modes, owners, sizes, mtimes, inode numbers, and a hash of every
// executable file) and fails the build on any change, leaving a mark that
// makes later builds in the container refuse at once. The store, the
// tmpfs directories and the build's own directories are left out: hush
// itself writes there.

// maxSelfEntries bounds the walk: hush's image has a few dozen files under
// /hush; a hush run from a checkout (its top-level directory a workspace)
// fingerprints its binary's directory instead.
const maxSelfEntries = 10000

var errSelfTooBig = errors.New("too many files to fingerprint")

// watchSelf fingerprints hush's directory (ownDir), or the directory of
// its executable when ownDir is too big to walk before every step.
func watchSelf(ownDir, exeDir string, skip []string, cache hashCache) (*selfPrint, error) {
	p, err := fingerprintWith(ownDir, skip, cache)
	if errors.Is(err, errSelfTooBig) && exeDir != ownDir {
		p, err = fingerprintWith(exeDir, skip, cache)
	}
	return p, err
}

// hashCache keeps each executable's hash by its stat: device, inode,
// size, mtime and change time. A step cannot write a file without moving
// its change time, nor set that back without setting the clock (Docker's
// default capabilities withhold CAP_SYS_TIME; fs.go's snapshot relies on
// the same), so a file whose stat is unchanged has the content hashed
// before: a fingerprint around each step costs stats, not reading hush's
// 50 MB binary twice per step.
type hashCache map[hashKey]string

type hashKey struct {
	dev, ino     uint64
	size         int64
	mtime, ctime syscall.Timespec
}

// taintMark is left in hush's directory once a step changed it.
const taintMark = ".hush-tampered"

// ErrTampered is wrapped by the error for a changed hush directory.
var ErrTampered = errors.New("a build step changed hush's own files: this container can no longer be trusted; run builds in a new container")

// selfPrint is the fingerprint of dir without the paths under skip.
type selfPrint struct {
	dir   string
	skip  []string
	lines map[string]string // path -> its line
	cache hashCache         // nil: hash every time
}

// fingerprintSelf reads dir's fingerprint, or says dir is marked tampered.
func fingerprintSelf(dir string, skip []string) (*selfPrint, error) {
	return fingerprintWith(dir, skip, nil)
}

func fingerprintWith(dir string, skip []string, cache hashCache) (*selfPrint, error) {
	if _, err := os.Lstat(filepath.Join(dir, taintMark)); err == nil {
		return nil, fmt.Errorf("%s: %w", dir, ErrTampered)
	}
	p := &selfPrint{dir: dir, skip: skip, lines: map[string]string{}, cache: cache}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed while walking: the diff shows it
			}
			return err
		}
		for _, s := range skip {
			if s != "" && (path == s || strings.HasPrefix(path, s+"/")) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
		}
		if len(p.lines) >= maxSelfEntries {
			return errSelfTooBig
		}
		line, err := describePath(path, cache)
		if err != nil {
			return err
		}
		p.lines[path] = line
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("fingerprinting %s: %w", dir, err)
	}
	return p, nil
}

// describePath is a path's type, mode, owner, inode, size and mtime, and
// for an executable regular file the SHA-256 of its content.
func describePath(path string, cache hashCache) (string, error) {
	var st syscall.Stat_t
	if err := syscall.Lstat(path, &st); err != nil {
		return "", err
	}
	line := fmt.Sprintf("%o %d:%d %d", st.Mode, st.Uid, st.Gid, st.Ino)
	if st.Mode&syscall.S_IFMT != syscall.S_IFDIR {
		// A directory's size and mtime move with its entries, which are
		// fingerprinted themselves (an added or removed one shows).
		line += fmt.Sprintf(" %d %d.%d", st.Size, st.Mtim.Sec, st.Mtim.Nsec)
	}
	if st.Mode&syscall.S_IFMT == syscall.S_IFLNK {
		target, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		line += " -> " + target
	}
	if st.Mode&syscall.S_IFMT == syscall.S_IFREG && st.Mode&0o111 != 0 {
		key := hashKey{dev: uint64(st.Dev), ino: st.Ino, size: st.Size, mtime: st.Mtim, ctime: st.Ctim}
		if h, ok := cache[key]; ok {
			return line + " " + h, nil
		}
		f, err := os.Open(path)
		if err != nil {
			return "", err
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return "", err
		}
		sum := hex.EncodeToString(h.Sum(nil))
		if cache != nil {
			cache[key] = sum
		}
		line += " " + sum
	}
	return line, nil
}

// check fingerprints the directory again; on any change it leaves the
// mark and returns ErrTampered naming the first changed path (a path is
// hush's, never a value).
func (p *selfPrint) check() error {
	now, err := fingerprintWith(p.dir, p.skip, p.cache)
	if err != nil {
		return err
	}
	var changed []string
	for path, line := range p.lines {
		if now.lines[path] != line {
			changed = append(changed, path)
		}
	}
	var added []string
	for path := range now.lines {
		if _, ok := p.lines[path]; !ok {
			changed = append(changed, path)
			added = append(added, path)
		}
	}
	if len(changed) == 0 {
		return nil
	}
	sort.Strings(changed)
	// What the step added (a parked copy of a secret) goes: nothing scans
	// this directory later. What it changed in place stays, marked.
	sort.Sort(sort.Reverse(sort.StringSlice(added)))
	for _, path := range added {
		_ = os.RemoveAll(path)
	}
	_ = os.WriteFile(filepath.Join(p.dir, taintMark), []byte("a build step changed "+changed[0]+"\n"), 0o444)
	more := ""
	if len(changed) > 1 {
		more = fmt.Sprintf(" and %d more", len(changed)-1)
	}
	return fmt.Errorf("%s%s: %w", changed[0], more, ErrTampered)
}
