package archive

import (
	"archive/zip"
	"bufio"
	"bytes"
	"cmp"
	"encoding/binary"
	"io"
)

// A zip read as a stream, by its local headers: a zip too big to hold (a
// Spring Boot fat jar) or one without a readable directory. Streamed
// writers (Java's ZipOutputStream and `jar`, Python's zipfile to a pipe,
// Go's archive/zip always) set bit 3 of a member's flags: its sizes are
// in a data descriptor after its data, not in its local header. A
// deflated member ends where its deflate stream ends; a stored one (a
// nested jar in BOOT-INF/lib) ends at the descriptor, which its CRC-32
// and sizes give away.

// zipStream walks a zip by its local headers from c's offset, and gives
// c back what follows its last member (its directory, or what was
// appended to it: carve looks on).
func (sc *scanner) zipStream(path string, c *carver, d int) {
	br := sc.bufReader(d, c)
	sc.zipLocal(path, br, d)
	rest, _ := br.Peek(br.Buffered())
	c.unread(rest)
}

// zipLocal scans the members of a zip from its first local header on,
// until something it cannot follow (the raw scan covers the rest).
func (sc *scanner) zipLocal(path string, br *bufio.Reader, d int) {
	prefix := path + "!"
	var h [30]byte
	for members := 0; ; members++ {
		if sig, err := br.Peek(4); err != nil || string(sig) != "PK\x03\x04" {
			return
		}
		if _, err := io.ReadFull(br, h[:]); err != nil {
			return
		}
		flags := binary.LittleEndian.Uint16(h[6:])
		method := binary.LittleEndian.Uint16(h[8:])
		csize := int64(binary.LittleEndian.Uint32(h[18:]))
		usize := int64(binary.LittleEndian.Uint32(h[22:]))
		name := make([]byte, binary.LittleEndian.Uint16(h[26:]))
		extra := make([]byte, binary.LittleEndian.Uint16(h[28:]))
		if _, err := io.ReadFull(br, name); err != nil {
			return
		}
		if _, err := io.ReadFull(br, extra); err != nil {
			return
		}
		if csize == 0xffffffff || usize == 0xffffffff {
			csize = zip64Size(extra, usize == 0xffffffff, csize)
		}
		p := prefix + sc.set.RedactString(string(name))
		sc.name(prefix, p, string(name), "name", true)
		if !sc.zipMember(p, br, flags, method, csize, d, members > 0) {
			return
		}
	}
}

// zipMember scans one member's data, br at its start, and leaves br after
// it (and after its data descriptor); false if it could not. known says
// the zip is recognised (a member before this one parsed): a method
// not opened then makes the scan incomplete.
func (sc *scanner) zipMember(p string, br *bufio.Reader, flags, method uint16, csize int64, d int, known bool) bool {
	descriptor := flags&8 != 0
	dec := zipDecoders[method]
	switch {
	case flags&1 != 0 && !descriptor:
		// Encrypted: its bytes are raw-scanned, no more.
		_, err := br.Discard(int(csize))
		return err == nil
	case method != 0 && dec == nil, flags&1 != 0:
		if known || zipMethods[method] != "" {
			sc.incomplete(p, "zip member compressed with a method not opened ("+cmp.Or(zipMethods[method], "unknown")+")")
		}
		if descriptor {
			return false
		}
		_, err := br.Discard(int(csize))
		return err == nil
	case descriptor && method == 8:
		// The sizes follow the data: deflate's own end tells where.
		cr := &countReader{r: sc.flateReader(d, br)}
		err := sc.inner(p, cr, d+1)
		sc.undecodable(p, "zip member", err, cr.n, known)
		return err == nil && skipDescriptor(br)
	case descriptor && method != 0:
		rc := dec(br)
		cr := &countReader{r: rc}
		err := sc.inner(p, cr, d+1)
		_ = rc.Close()
		sc.undecodable(p, "zip member", err, cr.n, known)
		return err == nil && skipDescriptor(br)
	case descriptor:
		// Stored: the descriptor ends it.
		dr := &descReader{br: br, stored: true}
		err := sc.inner(p, dr, d+1)
		_, derr := io.Copy(io.Discard, dr)
		return err == nil && derr == nil
	default:
		lr := io.LimitReader(br, csize)
		var body io.Reader = lr
		var rc io.ReadCloser
		if method != 0 {
			rc = dec(bufio.NewReaderSize(lr, 4096))
			body = rc
		}
		cr := &countReader{r: body}
		err := sc.inner(p, cr, d+1)
		if rc != nil {
			_ = rc.Close()
		}
		sc.undecodable(p, "zip member", err, cr.n, known)
		_, derr := io.Copy(io.Discard, lr)
		return err == nil && derr == nil
	}
}

// zip64Size reads the compressed size from a zip64 extra field: the
// uncompressed size comes first when it is there too.
func zip64Size(extra []byte, hasU bool, csize int64) int64 {
	for len(extra) >= 4 {
		id, n := binary.LittleEndian.Uint16(extra), int(binary.LittleEndian.Uint16(extra[2:]))
		body := extra[4:min(len(extra), 4+n)]
		if id == 1 {
			if hasU {
				body = body[min(8, len(body)):]
			}
			if len(body) >= 8 {
				return int64(binary.LittleEndian.Uint64(body))
			}
		}
		extra = extra[min(len(extra), 4+n):]
	}
	return csize
}

// nextHeader reports whether b starts with what may follow a member: the
// next local header, the central directory, the end records.
func nextHeader(b []byte) bool {
	if len(b) < 4 || b[0] != 'P' || b[1] != 'K' {
		return false
	}
	switch string(b[2:4]) {
	case "\x03\x04", "\x01\x02", "\x05\x06", "\x06\x06":
		return true
	}
	return false
}

// skipDescriptor skips a deflated member's data descriptor: an optional
// signature, the CRC-32 and two sizes of 4 or (zip64) 8 bytes. The next
// header's signature says which.
func skipDescriptor(br *bufio.Reader) bool {
	if sig, err := br.Peek(4); err == nil && string(sig) == "PK\x07\x08" {
		_, _ = br.Discard(4)
	}
	for _, n := range []int{12, 20} {
		if b, err := br.Peek(n + 4); err == nil && nextHeader(b[n:]) {
			_, err := br.Discard(n)
			return err == nil
		}
	}
	return false
}

// zipUnlisted walks a held zip's local headers, hopping over the members
// its directory lists (their sizes are known), and scans from the first
// member it does not list on, as a stream: a directory may not be this
// zip's (a zip cut before its own, whose last member is a jar with one) or
// may leave members out (a stale or forged directory, zips concatenated).
// A consistent zip costs a walk over its headers.
func (sc *scanner) zipUnlisted(path string, data []byte, zr *zip.Reader, d int) {
	listed := make(map[int64]listing, len(zr.File))
	for _, f := range zr.File {
		if off, err := f.DataOffset(); err == nil {
			listed[off] = listing{f.Name, int64(f.CompressedSize64)}
		}
	}
	pos := int64(0)
	for pos+30 <= int64(len(data)) && string(data[pos:pos+4]) == "PK\x03\x04" {
		h := data[pos:]
		n := int64(binary.LittleEndian.Uint16(h[26:]))
		start := pos + 30 + n + int64(binary.LittleEndian.Uint16(h[28:]))
		l, ok := listed[start]
		if ok && (start > int64(len(data)) || string(data[pos+30:pos+30+n]) != l.name) {
			ok = false
		}
		next := int64(0)
		if ok {
			next, ok = hop(data, start, l.size, binary.LittleEndian.Uint16(h[6:])&8 != 0)
		}
		if !ok {
			sc.zipLocal(path, sc.bufReader(d, bytes.NewReader(data[pos:])), d)
			return
		}
		pos = next
	}
}

// listing is what a directory entry says of a member.
type listing struct {
	name string
	size int64 // compressed
}

// hop returns where the member whose data starts at start ends, by the
// size cs its directory entry gives, if a header (or its data descriptor,
// then a header) is there: a directory that is not this zip's gives
// sizes that lead nowhere.
func hop(data []byte, start, cs int64, descriptor bool) (int64, bool) {
	if cs < 0 || cs > int64(len(data))-start {
		return 0, false
	}
	end := start + cs
	if descriptor {
		n := descriptorLen(data[end:])
		if n < 0 {
			return 0, false
		}
		end += int64(n)
	}
	return end, end == int64(len(data)) || nextHeader(data[end:])
}

// descriptorLen is the length of the data descriptor at the start of b,
// told by the header after it; -1 if none is.
func descriptorLen(b []byte) int {
	s := 0
	if len(b) >= 4 && string(b[:4]) == "PK\x07\x08" {
		s = 4
	}
	for _, n := range []int{s + 12, s + 20} {
		if len(b) >= n+4 && nextHeader(b[n:]) {
			return n
		}
	}
	return -1
}

// keptZipBuffer is the largest held zip's buffer a scanner keeps for the
// next zip at its level.
const keptZipBuffer = 4 << 20

// readAll reads r to its end, or to limit bytes, into buf's space, doubling
// it as it fills: io.ReadAll grows a big buffer by a quarter at a time, and
// copying a 50 MiB jar some fifteen times cost more than scanning it.
func readAll(r io.Reader, limit int64, buf []byte) ([]byte, error) {
	b := buf[:0]
	if cap(b) == 0 {
		b = make([]byte, 0, min(limit, 64<<10))
	}
	for {
		if int64(len(b)) >= limit {
			return b, nil
		}
		if len(b) == cap(b) {
			nb := make([]byte, len(b), min(limit, int64(2*cap(b))))
			copy(nb, b)
			b = nb
		}
		n, err := r.Read(b[len(b):min(int64(cap(b)), limit)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}
