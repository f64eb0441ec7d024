package archive

import (
	"bufio"
	"compress/bzip2"
	"errors"
	"io"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// Opening what carve found, and failing closed: a stream that is
// recognised and then cannot be decoded to its end (corrupt, cut short, a
// window or filter the decoder does not take) makes the scan incomplete,
// for its bytes may hold what the raw scan cannot see. Recognised means a
// header with enough structure that chance does not produce it (xz's CRC,
// bzip2's block magic, a tar checksum, ar, cpio and rpm headers), or a
// stream that already decoded recogMin bytes (deflate, zstd: two or four
// magic bytes an executable carries by chance decode a few bytes, then
// fail). A weak signature at the very start of a file counts too for zstd
// (a .zst file).

// recogMin is how many decoded bytes make a stream behind a weak header
// recognised.
const recogMin = 1 << 10

// maxWindow is the largest zstd window opened: zstd --long=31 writes
// 2 GiB. The decoder's history is allocated at the window's size but
// only touched as far as the stream's decoded bytes reach (MaxExpansion
// bounds those).
const maxWindow = 1 << 31

// open scans the archive or stream of kind that starts at c's current
// offset, and gives c back what it read and did not use.
func (sc *scanner) open(path string, kind int, c *carver, d int, first bool) {
	switch kind {
	case kindTar:
		// A header that does not parse ends it; its bytes are raw-scanned.
		_ = sc.tar(path+"!", c, d+1, false)
		return
	case kindZip:
		sc.zip(path, c, d, first)
		return
	}
	br := sc.bufReader(d, c)
	back := &lastBytes{r: br}
	switch kind {
	case kindGzip:
		sc.gzip(path, br, d, first)
	case kindZlib:
		sc.zlib(path, br, d)
	case kindBzip2:
		sc.stream1(path, "bzip2", bzip2.NewReader(back), d, true, back)
	case kindZstd:
		zr, err := zstd.NewReader(back, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(maxWindow), zstd.WithDecoderMaxMemory(maxWindow))
		if err != nil {
			return
		}
		sc.stream1(path, "zstd", zr, d, first, back)
		zr.Close()
	case kindXz:
		xr, err := xz.ReaderConfig{SingleStream: true}.NewReader(back)
		if err != nil {
			// The header's CRC held: a filter the decoder lacks (BCJ).
			sc.undecodable(path, "xz", err, 0, true)
			break
		}
		sc.stream1(path, "xz", xr, d, true, back)
	case kindPack:
		sc.pack(path, br, d)
	case kindAr:
		sc.ar(path, br, d)
	case kindCpio:
		sc.cpio(path, br, d)
	case kindRpm:
		sc.rpm(path, br, d)
	}
	rest, _ := br.Peek(br.Buffered())
	c.unread(append(back.pushback(), rest...))
}

// stream1 scans one decoded stream; at its end, the bytes that the
// decoder read looking for another stream and did not find one in go
// back (back, if the decoder reads on past its stream's end).
func (sc *scanner) stream1(path, what string, dec io.Reader, d int, strong bool, back *lastBytes) {
	cr := &countReader{r: dec}
	err := sc.inner(path, cr, d+1)
	if back != nil && err != nil && cr.n > 0 && nextMagic(err) {
		back.keep = true
		return
	}
	sc.undecodable(path, what, err, cr.n, strong)
}

// nextMagic reports whether a multi-stream decoder stopped on bytes after
// a complete stream that do not start another: the end of its stream.
func nextMagic(err error) bool {
	return errors.Is(err, zstd.ErrMagicMismatch) || strings.Contains(err.Error(), "continuation file") ||
		strings.Contains(err.Error(), "unexpected data after stream")
}

// undecodable makes the scan incomplete when a recognised stream failed
// to decode; a stream that failed before it was recognised was a chance
// magic number, and its bytes are raw-scanned as they are.
func (sc *scanner) undecodable(path, what string, err error, n int64, strong bool) {
	if err == nil || errors.Is(err, errBudget) || sc.srcErr != nil {
		return
	}
	if !strong && n < recogMin {
		return
	}
	why := "corrupt or unsupported"
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		why = "truncated"
	case errors.Is(err, zstd.ErrWindowSizeExceeded), errors.Is(err, zstd.ErrDecoderSizeExceeded):
		why = "window larger than 2 GiB"
	}
	sc.incomplete(path, what+" stream that cannot be decoded ("+why+")")
}

// countReader counts the bytes a decoder gave.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// lastBytes remembers the last bytes read through it, for a decoder that
// reads the magic of a next stream that is not there.
type lastBytes struct {
	r    *bufio.Reader
	last [4]byte
	n    int
	keep bool
}

func (l *lastBytes) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.note(p[:n])
	return n, err
}

func (l *lastBytes) ReadByte() (byte, error) {
	b, err := l.r.ReadByte()
	if err == nil {
		copy(l.last[:], l.last[1:])
		l.last[len(l.last)-1] = b
		l.n = min(len(l.last), l.n+1)
	}
	return b, err
}

func (l *lastBytes) note(b []byte) {
	if len(b) >= len(l.last) {
		copy(l.last[:], b[len(b)-len(l.last):])
		l.n = len(l.last)
		return
	}
	copy(l.last[:], l.last[len(b):])
	copy(l.last[len(l.last)-len(b):], b)
	l.n = min(len(l.last), l.n+len(b))
}

// pushback is what the decoder took of a next stream's magic: zstd reads
// four bytes, bzip2 two or three, xz one (more given back are only looked
// at again).
func (l *lastBytes) pushback() []byte {
	if l == nil || !l.keep {
		return nil
	}
	return append([]byte(nil), l.last[len(l.last)-l.n:]...)
}

// gzip scans each member of a gzip stream: the stored name and comment,
// and the decompressed bytes. It decodes members itself so that deflate
// reads from a bufio.Reader (klauspost's fast path) and never past a
// member's end. A gzip file (first: at a file's start) whose header
// passes the strict check is recognised from its first byte: cut short
// before its first KiB came out (`head -c -12`), it still fails closed.
func (sc *scanner) gzip(path string, br *bufio.Reader, d int, first bool) {
	for member := 0; ; member++ {
		h, _ := br.Peek(10)
		strong := member > 0 || first && plausible(h, kindGzip, false)
		if sc.gzipHeader(path, br) != nil {
			return
		}
		cr := &countReader{r: sc.flateReader(d, br)}
		if err := sc.inner(path, cr, d+1); err != nil {
			sc.undecodable(path, "gzip", err, cr.n, strong)
			return
		}
		if _, err := br.Discard(8); err != nil { // CRC-32 and size
			sc.undecodable(path, "gzip", io.ErrUnexpectedEOF, cr.n, strong)
			return
		}
		// Another member, or whatever follows (carve looks on).
		if next, _ := br.Peek(10); len(next) < 3 || string(next[:3]) != "\x1f\x8b\x08" || !plausible(next, kindGzip, false) {
			return
		}
	}
}

// zlib scans zlib streams one after another (git's loose objects).
func (sc *scanner) zlib(path string, br *bufio.Reader, d int) {
	for {
		if _, err := br.Discard(2); err != nil {
			return
		}
		cr := &countReader{r: sc.flateReader(d, br)}
		if err := sc.inner(path, cr, d+1); err != nil {
			sc.undecodable(path, "zlib", err, cr.n, false)
			return
		}
		// Adler-32, then another stream or the end.
		if _, err := br.Discard(4); err != nil {
			return
		}
		if h, err := br.Peek(2); err != nil || !isZlib(h) {
			return
		}
	}
}

// isZlib checks RFC 1950's two-byte header: deflate with a window of at
// most 32 KiB, no preset dictionary, the check bits right. One text in
// about 30 000 starts like this by chance ("x^"); the stream then fails to
// decode and its bytes are scanned as they are, as for any corrupt stream.
func isZlib(h []byte) bool {
	return len(h) >= 2 && h[0]&0x0f == 8 && h[0]>>4 <= 7 && h[1]&0x20 == 0 && (uint16(h[0])<<8|uint16(h[1]))%31 == 0
}
