package archive

import (
	"archive/zip"
	"bufio"
	"bytes"
	"cmp"
	"compress/bzip2"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zstd"

	"github.com/hushbuild/hush/secrets/pattern"
)

// Content kinds told apart by their first bytes.
const (
	kindPlain = iota
	kindGzip
	kindBzip2
	kindZstd
	kindZip
	kindTar
	kindXz   // formats.go
	kindZlib // git loose objects, zlib streams
	kindPack // git packfiles
)

// sniffLen is how many bytes sniff needs: tar's magic sits at 257.
const sniffLen = 512

// sniff tells nested archives from plain bytes by their magic, never by
// their name: a layer's file names are whatever the build chose.
func sniff(h []byte) int {
	switch {
	case len(h) >= 3 && h[0] == 0x1f && h[1] == 0x8b && h[2] == 8:
		return kindGzip
	case len(h) >= 10 && string(h[:3]) == "BZh" && h[3] >= '1' && h[3] <= '9' && string(h[4:10]) == "\x31\x41\x59\x26\x53\x59":
		return kindBzip2
	case len(h) >= 4 && string(h[:4]) == "\x28\xb5\x2f\xfd":
		return kindZstd
	case len(h) >= 4 && (string(h[:4]) == "PK\x03\x04" || string(h[:4]) == "PK\x05\x06"):
		return kindZip
	case len(h) >= 262 && string(h[257:262]) == "ustar":
		return kindTar
	}
	return sniffMore(h)
}

// content scans a file's bytes, read from r at nesting level d.
func (sc *scanner) content(path string, r io.Reader, d int) error {
	head := sc.buf(d)[:sniffLen]
	n, err := io.ReadFull(r, head)
	head = head[:n]
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		if sc.srcErr != nil {
			return sc.srcErr
		}
		r = nil
	case err != nil:
		return err
	}
	kind := sniff(head)
	if kind != kindPlain && d >= MaxNesting {
		if kind != kindTar {
			// A tar's bytes are its content; compressed bytes hide it.
			sc.incomplete(path, fmt.Sprintf("archives nested deeper than %d levels", MaxNesting))
		}
		kind = kindPlain
	}
	if kind == kindPlain {
		if prefixed(head) {
			return sc.carve(path, head, r, d)
		}
		return sc.plain(path, head, r, d)
	}
	// The head lives in level d's buffer, which reading the rest may reuse.
	full := io.Reader(bytes.NewReader(bytes.Clone(head)))
	if r != nil {
		full = io.MultiReader(full, r)
	}
	switch kind {
	case kindGzip, kindBzip2, kindZstd, kindXz, kindZlib, kindPack:
		return sc.compressed(path, kind, full, d)
	case kindZip:
		return sc.zip(path, full, d)
	default:
		return sc.nestedTar(path, full, d)
	}
}

// nestedTar scans a tar inside a file, and its bytes as they are as the
// safety net: a header that does not parse, bytes after the end of the
// archive.
func (sc *scanner) nestedTar(path string, r io.Reader, d int) error {
	var raw []Finding
	rawSt := sc.set.NewStream(func(m pattern.Match) { raw = append(raw, Finding{Path: path, Field: "content", Match: m}) })
	tee := io.TeeReader(r, rawSt)
	var err error
	seen := sc.recording(func() {
		if err = sc.tar(path+"!", tee, d+1, false); err == nil {
			_, _ = io.CopyBuffer(io.Discard, tee, sc.buf(d))
		}
	})
	sc.unseen(raw, seen)
	return cmp.Or(err, sc.srcErr)
}

// budgetReader charges decompressed bytes to the scan's MaxExpansion.
type budgetReader struct {
	r    io.Reader
	sc   *scanner
	path string
}

func (b *budgetReader) Read(p []byte) (int, error) {
	if b.sc.budget+expandRatio*b.sc.read <= 0 {
		b.sc.incomplete(b.path, fmt.Sprintf("decompression budget (%d MiB plus %d times the bytes read) exhausted", expandLimit>>20, expandRatio))
		return 0, errBudget
	}
	n, err := b.r.Read(p)
	b.sc.budget -= int64(n)
	return n, err
}

// inner scans decompressed bytes, then any the nested scan left unread (a
// tar's end-of-archive padding), so that the compressed stream is read to
// its end.
func (sc *scanner) inner(path string, r io.Reader, d int) error {
	b := &budgetReader{r: r, sc: sc, path: path}
	if err := sc.content(path, b, d); err != nil {
		return err
	}
	return sc.plain(path, nil, b, d)
}

// compressed scans a gzip, bzip2 or zstd stream: its decompressed bytes
// and, as a safety net, its compressed bytes as they are. The raw scan
// catches what a corrupt or truncated stream hides from the decoder (and a
// stored block or a header field); its findings are reported only when the
// decompressed scan did not report the same secret, fragment and encoding.
func (sc *scanner) compressed(path string, kind int, r io.Reader, d int) error {
	var raw []Finding
	rawSt := sc.set.NewStream(func(m pattern.Match) { raw = append(raw, Finding{Path: path, Field: "content", Match: m}) })
	br := sc.bufReader(d, io.TeeReader(r, rawSt))
	seen := sc.recording(func() {
		switch kind {
		case kindGzip:
			sc.gzip(path, br, d)
		case kindXz, kindZlib, kindPack:
			sc.decodeMore(path, kind, br, d)
		default:
			sc.decompress(path, kind, br, d)
		}
		// Whatever the decoder left unread, through the raw scan.
		_, _ = br.WriteTo(io.Discard)
	})
	sc.unseen(raw, seen)
	return sc.srcErr
}

// recording runs scan and returns the (secret, fragment, encoding) of
// everything it reported.
func (sc *scanner) recording(scan func()) map[origin]bool {
	seen := map[origin]bool{}
	fn := sc.fn
	sc.fn = func(f Finding) {
		seen[origin{f.SecretID, f.Fragment, f.Encoding}] = true
		fn(f)
	}
	defer func() { sc.fn = fn }()
	scan()
	return seen
}

// unseen reports the raw findings of a safety-net scan that the
// structured scan did not.
func (sc *scanner) unseen(raw []Finding, seen map[origin]bool) {
	for _, f := range raw {
		if !seen[origin{f.SecretID, f.Fragment, f.Encoding}] {
			sc.fn(f)
		}
	}
}

// gzip scans each member of a gzip stream: the stored name and comment,
// and the decompressed bytes. It decodes members itself so that deflate
// reads from a bufio.Reader (klauspost's fast path) and never past a
// member's end. It stops at the first error: the raw scan covers the rest.
func (sc *scanner) gzip(path string, br *bufio.Reader, d int) {
	for {
		if sc.gzipHeader(path, br) != nil {
			return
		}
		if err := sc.inner(path, sc.flateReader(d, br), d+1); err != nil {
			return
		}
		if _, err := br.Discard(8); err != nil { // CRC-32 and size
			return
		}
		if next, err := br.Peek(2); err != nil || next[0] != 0x1f || next[1] != 0x8b {
			return
		}
	}
}

// bufReader and flateReader reuse one reader of each kind per nesting
// level: a layer holds thousands of small .gz files (man pages), and each
// new pair would cost some 100 KiB of zeroed memory.
func (sc *scanner) bufReader(d int, r io.Reader) *bufio.Reader {
	if sc.bufrs[d] == nil {
		sc.bufrs[d] = bufio.NewReaderSize(r, 64<<10)
	} else {
		sc.bufrs[d].Reset(r)
	}
	return sc.bufrs[d]
}

func (sc *scanner) flateReader(d int, r *bufio.Reader) io.Reader {
	if sc.flates[d] == nil {
		sc.flates[d] = flate.NewReader(r)
	} else {
		_ = sc.flates[d].(flate.Resetter).Reset(r, nil)
	}
	return sc.flates[d]
}

var errNotGzip = errors.New("not a gzip member")

// gzipHeader reads one member's header (RFC 1952), scanning its name and
// comment fields.
func (sc *scanner) gzipHeader(path string, br *bufio.Reader) error {
	var h [10]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return err
	}
	if h[0] != 0x1f || h[1] != 0x8b || h[2] != 8 {
		return errNotGzip
	}
	flg := h[3]
	if flg&4 != 0 { // FEXTRA
		var l [2]byte
		if _, err := io.ReadFull(br, l[:]); err != nil {
			return err
		}
		if _, err := br.Discard(int(l[0]) | int(l[1])<<8); err != nil {
			return err
		}
	}
	for _, bit := range []byte{8, 16} { // FNAME, FCOMMENT
		if flg&bit == 0 {
			continue
		}
		s, err := br.ReadString(0)
		if err != nil {
			return err
		}
		sc.name("", path, s, "comment", false)
	}
	if flg&2 != 0 { // FHCRC
		if _, err := br.Discard(2); err != nil {
			return err
		}
	}
	return nil
}

// decompress scans a bzip2 or zstd stream's decompressed bytes.
func (sc *scanner) decompress(path string, kind int, br *bufio.Reader, d int) {
	var dec io.Reader
	if kind == kindBzip2 {
		dec = bzip2.NewReader(br)
	} else {
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(64<<20))
		if err != nil {
			return
		}
		defer zr.Close()
		dec = zr
	}
	_ = sc.inner(path, dec, d+1)
}

// zip scans a zip held in memory (its directory is at the end): every
// member's name, comment and content, and its bytes as they are. A zip
// that does not fit in what is left of MaxZipBuffer, or does not parse, is
// scanned as plain bytes.
func (sc *scanner) zip(path string, r io.Reader, d int) error {
	room := zipLimit - sc.zipBuf
	data, err := readAll(r, room+1, sc.zips[d])
	defer func() {
		// A layer holds thousands of small jars (a Maven repository):
		// reusing the buffer spares zeroing and regrowing one each time.
		if cap(data) <= keptZipBuffer {
			sc.zips[d] = data[:0]
		}
	}()
	if err != nil {
		// A nested decoder's error ends the scan of this file; only the
		// caller's reader failing is an error.
		_ = sc.plain(path, data, nil, d)
		return sc.srcErr
	}
	if int64(len(data)) > room {
		// Too big to hold (a Spring Boot fat jar): walk its local
		// headers as they stream by.
		return sc.zipStream(path, io.MultiReader(bytes.NewReader(data), r), d)
	}
	sc.zipBuf += int64(len(data))
	defer func() { sc.zipBuf -= int64(len(data)) }()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		// No directory (cut short, or a zip inside something else):
		// the local headers still say what is where.
		return sc.zipStream(path, bytes.NewReader(data), d)
	}
	zr.RegisterDecompressor(zip.Deflate, func(r io.Reader) io.ReadCloser { return flate.NewReader(r) })
	// As for compressed streams, the zip's bytes as they are are the
	// safety net: bytes outside every member, a cut comment.
	// Level d's Stream is free here; written a buffer at a time, its
	// view of wrapped encodings stays small (Find's, or one Write's, would
	// grow to the size of the zip).
	var raw []Finding
	fn := sc.fn
	sc.fn = func(f Finding) { raw = append(raw, f) }
	st := sc.stream(d, path)
	for rest := data; len(rest) > 0; {
		n := min(len(rest), len(sc.buf(d)))
		_, _ = st.Write(rest[:n])
		rest = rest[n:]
	}
	sc.fn = fn
	sc.unseen(raw, sc.recording(func() {
		sc.zipMembers(path, zr, d)
		sc.zipUnlisted(path, data, zr, d)
	}))
	return nil
}

// zipMembers scans every member's name, comment and content.
func (sc *scanner) zipMembers(path string, zr *zip.Reader, d int) {
	prefix := path + "!"
	sc.name("", path, zr.Comment, "comment", false)
	for _, f := range zr.File {
		p := prefix + sc.set.RedactString(f.Name)
		sc.name(prefix, p, f.Name, "name", true)
		sc.name(prefix, p, f.Comment, "comment", false)
		rc, err := f.Open()
		if err == nil {
			err = sc.inner(p, rc, d+1)
			_ = rc.Close()
		}
		if err != nil {
			// Unknown method, encrypted or corrupt: the stored bytes
			// are still worth a look.
			if raw, err := f.OpenRaw(); err == nil {
				_ = sc.plain(p, nil, raw, d+1)
			}
		}
	}
}

// origin is a finding's secret, fragment and encoding: what a safety-net
// scan and a structured scan agree on.
type origin struct {
	id, frag, enc string
}
