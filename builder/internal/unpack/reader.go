package unpack

import (
	"archive/tar"
	"context"
	"io"
)

// ctxReader makes a read that may block for good (stdin, a pipe whose
// writer stalls) end with ctx: one goroutine reads ahead into a buffer
// while the unpacker waits for either. A read cut short leaves that
// goroutine blocked until the source returns, which costs one buffer.
type ctxReader struct {
	ctx  context.Context
	in   chan chunk
	free chan []byte
	done chan struct{}
	cur  []byte
	buf  []byte
	err  error
}

type chunk struct {
	b   []byte
	err error
}

func newCtxReader(ctx context.Context, r io.Reader) *ctxReader {
	c := &ctxReader{ctx: ctx, in: make(chan chunk, 1), free: make(chan []byte, 2), done: make(chan struct{})}
	c.free <- make([]byte, 64<<10)
	c.free <- make([]byte, 64<<10)
	go func() {
		for {
			var b []byte
			select {
			case b = <-c.free:
			case <-c.done:
				return
			}
			n, err := r.Read(b)
			select {
			case c.in <- chunk{b[:n], err}:
			case <-c.done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return c
}

func (c *ctxReader) Read(p []byte) (int, error) {
	for len(c.cur) == 0 {
		if c.err != nil {
			return 0, c.err
		}
		if c.buf != nil {
			c.free <- c.buf[:cap(c.buf)]
			c.buf = nil
		}
		select {
		case ch := <-c.in:
			c.buf, c.cur, c.err = ch.b, ch.b, ch.err
		case <-c.ctx.Done():
			c.err = c.ctx.Err()
			return 0, c.err
		}
	}
	n := copy(p, c.cur)
	c.cur = c.cur[n:]
	return n, nil
}

// stop lets the read-ahead goroutine go once it is not blocked in a read.
func (c *ctxReader) stop() { close(c.done) }

// implicitDir stands for a directory the archive names only as a parent.
func implicitDir(rel string) *tar.Header { return &tar.Header{Name: rel, Typeflag: tar.TypeDir} }
