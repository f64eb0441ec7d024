package builder

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/hushbuild/hush/secrets"
)

// prescan lets the guard stream with the commit instead of reading each
// layer a second time. While buildah commits, it writes every layer blob
// (an uncompressed tar, for containers-storage) under TMPDIR — the build's
// tmpfs directory — as <dir>/buildahNNN/layer, then renames it to its
// digest and copies it into storage. prescan watches for those renames with
// inotify and scans each blob from memory on another core while storage is
// still writing it. The guard then takes a layer's result by its
// uncompressed digest and scans only what prescan missed, so nothing
// depends on prescan winning any race.
type prescan struct {
	set     *secrets.Set
	fd      int
	file    *os.File // fd in Go's poller, so Close wakes the reader
	wg      sync.WaitGroup
	mu      sync.Mutex
	results map[string]prescanResult // by "sha256:<hex>"
	watches map[int]string
}

type prescanResult struct {
	findings []secrets.Finding
	err      error
}

// startPrescan watches dir; it returns nil (and the guard reads layers
// itself) when inotify is unavailable.
func startPrescan(dir string, set *secrets.Set) *prescan {
	if dir == "" {
		return nil
	}
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil
	}
	p := &prescan{set: set, fd: fd, file: os.NewFile(uintptr(fd), "inotify"), results: map[string]prescanResult{}, watches: map[int]string{}}
	if !p.watch(dir, unix.IN_CREATE|unix.IN_ONLYDIR) {
		p.file.Close()
		return nil
	}
	p.wg.Add(1)
	go p.loop()
	return p
}

func (p *prescan) watch(dir string, mask uint32) bool {
	wd, err := unix.InotifyAddWatch(p.fd, dir, mask)
	if err != nil {
		return false
	}
	p.mu.Lock()
	p.watches[wd] = dir
	p.mu.Unlock()
	return true
}

func (p *prescan) loop() {
	defer p.wg.Done()
	buf := make([]byte, 64*1024)
	for {
		n, err := p.file.Read(buf)
		if err != nil || n <= 0 {
			return // closed by stop
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
			name := strings.TrimRight(string(buf[off+unix.SizeofInotifyEvent:off+unix.SizeofInotifyEvent+int(ev.Len)]), "\x00")
			off += unix.SizeofInotifyEvent + int(ev.Len)
			p.mu.Lock()
			dir := p.watches[int(ev.Wd)]
			p.mu.Unlock()
			path := filepath.Join(dir, name)
			switch {
			case ev.Mask&unix.IN_ISDIR != 0 && ev.Mask&unix.IN_CREATE != 0 && strings.HasPrefix(name, "buildah"):
				p.watch(path, unix.IN_MOVED_TO)
			case ev.Mask&unix.IN_MOVED_TO != 0 && strings.HasPrefix(name, "sha256:"):
				p.scan(name, path)
			}
		}
	}
}

// scan opens the blob at once (buildah deletes it after the copy; an open
// descriptor keeps it readable) and scans it in the background.
func (p *prescan) scan(digest, path string) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer f.Close()
		var res prescanResult
		res.err = p.set.ScanTar(f, func(fd secrets.Finding) { res.findings = append(res.findings, fd) })
		p.mu.Lock()
		p.results[digest] = res
		p.mu.Unlock()
	}()
}

// stop ends the watch and waits for scans under way.
func (p *prescan) stop() {
	if p == nil {
		return
	}
	p.file.Close()
	p.wg.Wait()
}

// lookup returns prescan's result for a layer's uncompressed digest.
func (p *prescan) lookup(digest string) ([]secrets.Finding, bool) {
	if p == nil || digest == "" {
		return nil, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.results[digest]
	if !ok || r.err != nil {
		return nil, false
	}
	return r.findings, true
}
