package archive

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"

	"github.com/ulikunitz/xz"
)

// Formats that real tools write and the first scanner did not open: xz
// (tar.xz, .deb members), zlib (git's loose objects), git packfiles (a
// token committed and the work file removed), zips too big to hold (walked
// by their local headers) and archives with bytes in front (a zipapp or pex
// behind a shebang, an executable jar, a self-extracting installer).

// sniffMore tells the formats of this file by their magic.
func sniffMore(h []byte) int {
	switch {
	case len(h) >= 6 && string(h[:6]) == "\xfd7zXZ\x00":
		return kindXz
	case len(h) >= 12 && string(h[:4]) == "PACK" && (h[7] == 2 || h[7] == 3) && h[4]|h[5]|h[6] == 0:
		return kindPack
	case isZlib(h):
		return kindZlib
	}
	return kindPlain
}

// isZlib checks RFC 1950's two-byte header: deflate with a window of at
// most 32 KiB, no preset dictionary, the check bits right. One text in
// about 30 000 starts like this by chance ("x^"); the stream then fails to
// decode and its bytes are scanned as they are, as for any corrupt stream.
func isZlib(h []byte) bool {
	return len(h) >= 2 && h[0]&0x0f == 8 && h[0]>>4 <= 7 && h[1]&0x20 == 0 && (uint16(h[0])<<8|uint16(h[1]))%31 == 0
}

// decodeMore scans an xz, zlib or git pack stream's content.
func (sc *scanner) decodeMore(path string, kind int, br *bufio.Reader, d int) {
	switch kind {
	case kindXz:
		// Costly: some 30-60 MB/s of output on one core (LZMA2 in pure
		// Go), against some 400 for gzip.
		xr, err := xz.NewReader(br)
		if err != nil {
			return
		}
		_ = sc.inner(path, xr, d+1)
	case kindZlib:
		for {
			if _, err := br.Discard(2); err != nil {
				return
			}
			if sc.inner(path, sc.flateReader(d, br), d+1) != nil {
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
	case kindPack:
		sc.pack(path, br, d)
	}
}

// pack scans each object of a git packfile (v2/v3): its zlib-deflated
// content, whole objects and deltas' inserted bytes alike.
func (sc *scanner) pack(path string, br *bufio.Reader, d int) {
	var h [12]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return
	}
	n := binary.BigEndian.Uint32(h[8:])
	for range n {
		c, err := br.ReadByte()
		if err != nil {
			return
		}
		typ := c >> 4 & 7
		for c&0x80 != 0 { // the size, which the stream's end makes redundant
			if c, err = br.ReadByte(); err != nil {
				return
			}
		}
		switch typ {
		case 1, 2, 3, 4: // commit, tree, blob, tag
		case 6: // offset delta: a varint back to the base
			for c = 0x80; c&0x80 != 0; {
				if c, err = br.ReadByte(); err != nil {
					return
				}
			}
		case 7: // reference delta: the base's 20-byte name
			if _, err := br.Discard(20); err != nil {
				return
			}
		default:
			return
		}
		if hd, err := br.Peek(2); err != nil || !isZlib(hd) {
			return
		}
		_, _ = br.Discard(2)
		if sc.inner(path, sc.flateReader(d, br), d+1) != nil {
			return
		}
		if _, err := br.Discard(4); err != nil {
			return
		}
	}
}

// prefixed reports whether a file may carry an archive after a prefix:
// a script (a zipapp, pex or shiv behind its shebang, an executable jar or
// a self-extracting installer behind a shell stub) or an executable (ELF,
// PE: self-extractors, zips appended to binaries).
func prefixed(h []byte) bool {
	return bytes.HasPrefix(h, []byte("#!")) || bytes.HasPrefix(h, []byte("\x7fELF")) || bytes.HasPrefix(h, []byte("MZ"))
}

// embedded finds the first archive signature in b: a zip's local header,
// a gzip or xz header. -1 if none.
func embedded(b []byte) int {
	first := -1
	for _, sig := range []string{"PK\x03\x04", "\x1f\x8b\x08", "\xfd7zXZ\x00"} {
		for off := 0; ; {
			i := bytes.Index(b[off:], []byte(sig))
			if i < 0 {
				break
			}
			i += off
			if plausible(b[i:], sig) {
				if first < 0 || i < first {
					first = i
				}
				break
			}
			off = i + 1
		}
	}
	return first
}

// plausible checks the bytes after a signature, to skip the look-alikes an
// executable holds: a zip needs a known method and a sane version, gzip
// reserved flag bits clear.
func plausible(b []byte, sig string) bool {
	switch sig[0] {
	case 'P':
		if len(b) < 30 {
			return true // cut by the buffer: let the archive code decide
		}
		method := binary.LittleEndian.Uint16(b[8:])
		return b[4] <= 63 && b[5] == 0 && (method == 0 || method == 8)
	case 0x1f:
		return len(b) < 4 || b[3]&0xe0 == 0
	}
	return true
}

// carve scans a file that may hold an archive after a prefix: as plain
// bytes up to the first archive signature, then from there as a file of
// its own (its own raw scan is the safety net for what follows).
func (sc *scanner) carve(path string, head []byte, r io.Reader, d int) error {
	st := sc.stream(d, path)
	// head is in level d's buffer; so is what is read next.
	chunk := bytes.Clone(head)
	for {
		if i := embedded(chunk); i >= 0 {
			_, _ = st.Write(chunk[:i])
			rest := io.Reader(bytes.NewReader(bytes.Clone(chunk[i:])))
			if r != nil {
				rest = io.MultiReader(rest, r)
			}
			return sc.content(path, rest, d)
		}
		// Keep the last bytes, where a signature may be cut.
		const keep = 8
		cut := max(0, len(chunk)-keep)
		_, _ = st.Write(chunk[:cut])
		if r == nil {
			_, _ = st.Write(chunk[cut:])
			return nil
		}
		buf := sc.buf(d)
		n, err := r.Read(buf)
		chunk = append(chunk[cut:cut:cut], chunk[cut:]...)
		chunk = append(chunk[:0:0], append(chunk, buf[:n]...)...)
		if err == io.EOF {
			r = nil
		} else if err != nil {
			_, _ = st.Write(chunk)
			return err
		}
	}
}
