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
	"github.com/ulikunitz/xz"
)

// Content kinds, told apart by their signatures (carve.go), never by a
// file's name: a layer's file names are whatever the build chose.
const (
	kindPlain = iota
	kindGzip
	kindBzip2
	kindZstd
	kindZip
	kindTar
	kindXz
	kindZlib // git loose objects: only at the start of a file
	kindPack // git packfiles
	kindAr   // Debian packages
	kindCpio // initramfs, rpm payloads
	kindRpm
)

// content scans a file's bytes, read from r at nesting level d.
func (sc *scanner) content(path string, r io.Reader, d int) error {
	return sc.carve(path, r, d)
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

// inner scans decompressed bytes, charged to the budget.
func (sc *scanner) inner(path string, r io.Reader, d int) error {
	return sc.content(path, &budgetReader{r: r, sc: sc, path: path}, d)
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

// zipMethods names the compression methods of zip members; those
// zipDecoders has a decoder for are opened, the others make the scan
// incomplete.
var zipMethods = map[uint16]string{
	0: "stored", 8: "deflate", 12: "bzip2", 93: "zstd", 95: "xz",
	1: "shrink", 6: "implode", 9: "deflate64", 14: "lzma", 98: "ppmd",
}

// zipDecoders opens the methods beyond stored and deflate that real
// tools write (zip -Z bzip2, 7-Zip's zstd and xz); each decoder stops at
// its own stream's end.
var zipDecoders = map[uint16]func(io.Reader) io.ReadCloser{
	zip.Deflate: func(r io.Reader) io.ReadCloser { return flate.NewReader(r) },
	12:          func(r io.Reader) io.ReadCloser { return io.NopCloser(bzip2.NewReader(r)) },
	93: func(r io.Reader) io.ReadCloser {
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true), zstd.WithDecoderMaxWindow(maxWindow), zstd.WithDecoderMaxMemory(maxWindow))
		if err != nil {
			return io.NopCloser(errReader{err})
		}
		return zr.IOReadCloser()
	},
	95: func(r io.Reader) io.ReadCloser {
		xr, err := xz.ReaderConfig{SingleStream: true}.NewReader(r)
		if err != nil {
			return io.NopCloser(errReader{err})
		}
		return io.NopCloser(xr)
	},
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// zip scans a zip found at c's offset. At the start of a file it is held
// in memory (its directory is at the end): every member's name, comment
// and content. Inside a file, or too big to hold (a Spring Boot fat jar),
// or without a directory that parses, it is walked by its local headers.
func (sc *scanner) zip(path string, c *carver, d int, first bool) {
	if !first {
		sc.zipStream(path, c, d)
		return
	}
	room := zipLimit - sc.zipBuf
	data, err := readAll(c, room+1, sc.zips[d])
	defer func() {
		// A layer holds thousands of small jars (a Maven repository):
		// reusing the buffer spares zeroing and regrowing one each time.
		if cap(data) <= keptZipBuffer {
			sc.zips[d] = data[:0]
		}
	}()
	if err != nil {
		return // the carver's source failed: carve returns its error
	}
	if int64(len(data)) > room {
		c.unread(data)
		sc.zipStream(path, c, d)
		return
	}
	sc.zipBuf += int64(len(data))
	defer func() { sc.zipBuf -= int64(len(data)) }()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		// No directory (cut short, or a zip inside something else):
		// the local headers still say what is where.
		sc.zipLocal(path, sc.bufReader(d, bytes.NewReader(data)), d)
		return
	}
	for m, dec := range zipDecoders {
		zr.RegisterDecompressor(m, dec)
	}
	sc.zipMembers(path, zr, d)
	sc.zipUnlisted(path, data, zr, d)
}

// zipMembers scans every member's name, comment and content.
func (sc *scanner) zipMembers(path string, zr *zip.Reader, d int) {
	prefix := path + "!"
	sc.name("", path, zr.Comment, "comment", false)
	for _, f := range zr.File {
		p := prefix + sc.set.RedactString(f.Name)
		sc.name(prefix, p, f.Name, "name", true)
		sc.name(prefix, p, f.Comment, "comment", false)
		if f.Flags&1 != 0 {
			continue // encrypted: its bytes are raw-scanned, no more
		}
		if zipDecoders[f.Method] == nil && f.Method != zip.Store {
			sc.incomplete(p, "zip member compressed with a method not opened ("+cmp.Or(zipMethods[f.Method], "unknown")+")")
			continue
		}
		rc, err := f.Open()
		if err != nil {
			sc.undecodable(p, "zip member", err, 0, true)
			continue
		}
		cr := &countReader{r: rc}
		err = sc.inner(p, cr, d+1)
		_ = rc.Close()
		if err != nil && !errors.Is(err, zip.ErrChecksum) {
			sc.undecodable(p, "zip member", err, cr.n, true)
		}
	}
}

// origin is a finding's secret, fragment and encoding: what a safety-net
// scan and a structured scan agree on.
type origin struct {
	id, frag, enc string
}
