package guard

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/hushbuild/hush/audit"
)

// prescan lets the guard stream with the commit instead of reading each
// layer a second time. While buildah commits, it writes every layer blob
// (an uncompressed tar, for containers-storage) under TMPDIR — the build's
// tmpfs directory — as <dir>/buildahNNN/layer, closes it, renames it to its
// digest and copies it into storage. prescan watches with inotify, follows
// each "layer" file as it is written (like tail -f) and scans it on another
// core, so the scan finishes about when the blob does. The guard then takes
// a layer's result by its uncompressed digest and scans only what prescan
// missed, so nothing depends on prescan winning any race.
type Prescan struct {
	eng     *audit.Engine
	file    *os.File // the inotify fd, in Go's poller so Close wakes the reader
	wg      sync.WaitGroup
	mu      sync.Mutex
	watches map[int]string           // watch descriptor -> directory
	active  map[string]*follower     // directory -> the blob being written there
	results map[string]prescanResult // "sha256:<hex>" -> result
}

type prescanResult struct {
	scan *audit.LayerScan
	err  error
}

// followPoll is how long a follower that caught up with the writer waits
// before reading again. Polling, not an inotify event per write: buildah
// writes a blob 32 KiB at a time, and waking the watcher and the follower
// for each write cost 4x the scan itself (BenchmarkPrescanFollow: 870 ms
// of CPU for a 460 MB layer, 185 ms polling), CPU the commit beside it
// lost. A follower woken every 20 ms reads what piled up in 256 KiB reads.
const followPoll = 20 * time.Millisecond

// follower scans one blob while it is still being written.
type follower struct {
	f      *os.File
	closed chan struct{} // the writer closed the file
	done   chan struct{} // the scan ended; res is set
	res    prescanResult
	once   sync.Once
}

// Read returns what the writer has written so far, waiting for more at
// the end (followPoll at a time) until the writer closes the file.
func (fl *follower) Read(p []byte) (int, error) {
	for {
		n, err := fl.f.Read(p)
		if n > 0 || err != io.EOF {
			return n, err
		}
		select {
		case <-fl.closed:
			return fl.f.Read(p) // what was written just before the close
		case <-time.After(followPoll):
		}
	}
}

// StartPrescan watches dir (the process's TMPDIR, where buildah stages
// the blobs it commits) and scans each blob with eng as it is written; it returns nil (and the guard reads layers
// itself) when inotify is unavailable.
func StartPrescan(dir string, eng *audit.Engine) *Prescan {
	if dir == "" {
		return nil
	}
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil
	}
	p := &Prescan{eng: eng, file: os.NewFile(uintptr(fd), "inotify"),
		watches: map[int]string{}, active: map[string]*follower{}, results: map[string]prescanResult{}}
	if !p.watch(dir, unix.IN_CREATE|unix.IN_ONLYDIR) {
		p.file.Close()
		return nil
	}
	p.wg.Add(1)
	go p.loop()
	return p
}

func (p *Prescan) watch(dir string, mask uint32) bool {
	wd, err := unix.InotifyAddWatch(int(p.file.Fd()), dir, mask)
	if err != nil {
		return false
	}
	p.mu.Lock()
	p.watches[wd] = dir
	p.mu.Unlock()
	return true
}

func (p *Prescan) loop() {
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
			p.event(int(ev.Wd), ev.Mask, name)
		}
	}
}

func (p *Prescan) event(wd int, mask uint32, name string) {
	p.mu.Lock()
	dir := p.watches[wd]
	fl := p.active[dir]
	p.mu.Unlock()
	switch {
	case mask&unix.IN_ISDIR != 0 && mask&unix.IN_CREATE != 0 && strings.HasPrefix(name, "buildah"):
		sub := filepath.Join(dir, name)
		if p.watch(sub, unix.IN_CREATE|unix.IN_CLOSE_WRITE|unix.IN_MOVED_TO) {
			p.catchUp(sub)
		}
	case mask&unix.IN_CREATE != 0 && name == "layer":
		p.follow(dir, filepath.Join(dir, name))
	case mask&unix.IN_CLOSE_WRITE != 0 && name == "layer" && fl != nil:
		fl.once.Do(func() { close(fl.closed) })
	case mask&unix.IN_MOVED_TO != 0 && strings.HasPrefix(name, "sha256:") && fl != nil:
		// buildah renames the finished blob to its digest: that names it,
		// and says the writer is done (its close may have come before
		// the watch did).
		fl.once.Do(func() { close(fl.closed) })
		p.mu.Lock()
		delete(p.active, dir)
		p.mu.Unlock()
		p.record(name, fl)
	}
}

// catchUp follows what buildah wrote in a new directory before the watch
// on it was set (a busy machine can delay this loop past buildah's first
// write): a blob being written, or one already renamed to its digest.
// Missing them would leave the guard to read those layers again, after
// the build, from storage.
func (p *Prescan) catchUp(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		switch name := e.Name(); {
		case name == "layer":
			p.follow(dir, filepath.Join(dir, name))
		case strings.HasPrefix(name, "sha256:"):
			if fl := p.open(filepath.Join(dir, name)); fl != nil {
				fl.once.Do(func() { close(fl.closed) })
				p.record(name, fl)
			}
		}
	}
}

// record files a follower's result under its blob's digest once its scan
// ends.
func (p *Prescan) record(name string, fl *follower) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		<-fl.done
		p.mu.Lock()
		p.results[name] = fl.res
		p.mu.Unlock()
	}()
}

// follow opens a blob as soon as it is created and scans it as it grows;
// once per blob, though both its creation event and catchUp may name it
// (both run on the event loop, so the check and the set cannot race).
func (p *Prescan) follow(dir, path string) {
	p.mu.Lock()
	following := p.active[dir] != nil
	p.mu.Unlock()
	if following {
		return
	}
	fl := p.open(path)
	if fl == nil {
		return
	}
	p.mu.Lock()
	p.active[dir] = fl
	p.mu.Unlock()
}

// open starts scanning the blob at path, from its start, as it grows
// until its follower is told the writer closed it.
func (p *Prescan) open(path string) *follower {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	fl := &follower{f: f, closed: make(chan struct{}), done: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer close(fl.done)
		defer f.Close()
		fl.res.scan, fl.res.err = p.eng.Layer(context.Background(), fl)
		// Drain, so a scan that stopped early (a bad tar) still ends.
		_, _ = io.Copy(io.Discard, fl)
	}()
	return fl
}

// Stop ends the watch and waits for scans under way. A follower whose
// writer never closed its file (the build failed) is released first.
func (p *Prescan) Stop() {
	if p == nil {
		return
	}
	p.file.Close()
	p.mu.Lock()
	for _, fl := range p.active {
		fl.once.Do(func() { close(fl.closed) })
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// lookup returns prescan's scan of a layer, by its uncompressed digest.
func (p *Prescan) lookup(digest string) (*audit.LayerScan, bool) {
	if p == nil || digest == "" {
		return nil, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.results[digest]
	if !ok || r.err != nil {
		return nil, false
	}
	return r.scan, true
}
