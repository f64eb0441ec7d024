package audit

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// progress rewrites one line on a terminal: layers done and bytes read.
// A nil *progress does nothing.
type progress struct {
	w      io.Writer
	layers int
	total  int64
	read   atomic.Int64
	done   atomic.Int32
	stop   chan struct{}
	wg     sync.WaitGroup
}

func newProgress(w io.Writer, layers int, total int64) *progress {
	if w == nil {
		return nil
	}
	p := &progress{w: w, layers: layers, total: total, stop: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				fmt.Fprint(p.w, "\r\033[K")
				return
			case <-t.C:
				p.draw()
			}
		}
	}()
	return p
}

func (p *progress) draw() {
	const mb = 1 << 20
	if p.total > 0 {
		fmt.Fprintf(p.w, "\r\033[Khush audit: %d/%d layers, %d/%d MB", p.done.Load(), p.layers, p.read.Load()/mb, p.total/mb)
	} else {
		fmt.Fprintf(p.w, "\r\033[Khush audit: %d/%d layers, %d MB", p.done.Load(), p.layers, p.read.Load()/mb)
	}
}

func (p *progress) reader(r io.Reader) io.Reader {
	if p == nil {
		return r
	}
	return &progressReader{r: r, p: p}
}

func (p *progress) layerDone() {
	if p != nil {
		p.done.Add(1)
	}
}

func (p *progress) finish() {
	if p == nil {
		return
	}
	close(p.stop)
	p.wg.Wait()
}

type progressReader struct {
	r io.Reader
	p *progress
}

func (r *progressReader) Read(b []byte) (int, error) {
	n, err := r.r.Read(b)
	r.p.read.Add(int64(n))
	return n, err
}
