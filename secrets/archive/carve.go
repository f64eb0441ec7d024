package archive

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io"
	"slices"
	"strconv"

	"github.com/hushbuild/hush/secrets/pattern"
)

// A file's bytes are read once, in order: every byte goes through the
// raw scan (the safety net for what no decoder understands), and every
// archive or compressed stream whose signature sits anywhere in them is
// opened from there: a tar.gz appended to a shell stub, an xz after a
// gzip in a `cat`-concatenated file, the data.tar member of a .deb, the
// payload of an rpm. A signature counts only if the header after it
// parses (plausible), so the magic numbers an executable carries cost a
// look at a few bytes, and a decoder that fails on them early costs no
// more than that.

// keep is how many bytes a window keeps past the last candidate it looks
// at: a plausibility check reads up to a tar header (512 bytes) after it.
const keep = 512

// maxOpens bounds the streams opened in one file: each costs a decoder.
// A file that holds more plausible signatures is incomplete.
const maxOpens = 4096

// signature is a magic string, where relative to it its archive starts
// (tar's magic sits 257 bytes into its header), and the byte of it that
// the search looks for: a rare one, so that looking costs what
// bytes.IndexByte costs (several GB/s) and not a stop every few bytes of
// text or base64. A signature whose header always holds a zero byte is
// looked for only in a window that holds one. Each byte looked for costs
// a stop every 256 bytes of random data (an image, a font), so the formats
// that are whole files (ar, cpio, rpm, git packs) are looked for only at
// the start of a file and right after an archive (and its zero padding).
type signature struct {
	magic    string
	back     int
	kind     int
	anchor   int // index in magic of the byte looked for; -1: not looked for inside
	needsNUL bool
}

var signatures = []signature{
	{"\x1f\x8b\x08", 0, kindGzip, 1, false},
	{"1AY&SY", 4, kindBzip2, 3, false},          // the block magic after "BZh1".."BZh9"
	{"\x28\xb5\x2f\xfd", 0, kindZstd, 3, false}, // xz's first byte: one search for both
	{"\xfd7zXZ\x00", 0, kindXz, 0, false},
	{"PK\x03\x04", 0, kindZip, 2, true},
	{"ustar", 257, kindTar, 0, true}, // 'u' is frequent in text: only in scripts (see search)
	{"\xed\xab\xee\xdb", 0, kindRpm, -1, false},
	{"PACK\x00\x00\x00", 0, kindPack, -1, false},
	{"!<arch>\n", 0, kindAr, -1, false},
	{"070701", 0, kindCpio, -1, false},
	{"070702", 0, kindCpio, -1, false},
	{"070707", 0, kindCpio, -1, false},
}

// anchor is a byte looked for and the signatures that hold it; lo and hi
// bound where it sits relative to an archive's start.
type anchor struct {
	b        byte
	sigs     []signature
	lo, hi   int
	needsNUL bool
}

var anchors = func() []anchor {
	var as []anchor
	for _, s := range signatures {
		if s.anchor < 0 {
			continue
		}
		b, off := s.magic[s.anchor], s.back+s.anchor
		i := slices.IndexFunc(as, func(a anchor) bool { return a.b == b })
		if i < 0 {
			as = append(as, anchor{b: b, lo: off, hi: off, needsNUL: true})
			i = len(as) - 1
		}
		a := &as[i]
		a.sigs = append(a.sigs, s)
		a.lo, a.hi = min(a.lo, off), max(a.hi, off)
		a.needsNUL = a.needsNUL && s.needsNUL
	}
	return as
}()

// candidate is a plausible signature at a file offset.
type candidate struct {
	at   int64
	kind int
}

// carver is level d's view of a file: an io.Reader for the decoders it
// starts, which raw-scans bytes as they are first read.
type carver struct {
	r      io.Reader
	buf    []byte // level d's buffer
	win    []byte // read, raw-scanned, not consumed yet
	off    int64  // file offset of win[0]
	err    error  // r's error once it returned one
	raw    *pattern.Stream
	cands  []candidate
	upto   int64 // candidates before this offset have been searched for
	script bool  // the file starts with "#!"
}

func (c *carver) Read(p []byte) (int, error) {
	if len(c.win) > 0 {
		n := copy(p, c.win)
		c.win = c.win[n:]
		c.off += int64(n)
		return n, nil
	}
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.r.Read(p)
	_, _ = c.raw.Write(p[:n])
	c.off += int64(n)
	if err != nil {
		c.err = err
		if n > 0 {
			err = nil
		}
	}
	return n, err
}

// unread gives back the last bytes a decoder read and did not use.
func (c *carver) unread(b []byte) {
	if len(b) == 0 {
		return
	}
	c.win = append(bytes.Clone(b), c.win...)
	c.off -= int64(len(b))
}

// fill reads until the window holds more than keep bytes, or r ends.
func (c *carver) fill() {
	if len(c.win) > keep || c.err != nil {
		return
	}
	n := copy(c.buf, c.win)
	for n <= keep && c.err == nil {
		m, err := c.r.Read(c.buf[n:])
		_, _ = c.raw.Write(c.buf[n : n+m])
		n += m
		if err != nil {
			c.err = err
		}
	}
	c.win = c.buf[:n]
}

// search finds the plausible signatures in the window up to end (a file
// offset), past what it searched before.
func (c *carver) search(end int64) {
	from := max(c.upto, c.off)
	if from >= end {
		return
	}
	n := len(c.cands)
	nul := bytes.IndexByte(c.win, 0) >= 0
	for _, a := range anchors {
		if a.needsNUL && !nul || a.b == 'u' && !c.script {
			// A tar inside a file other than a script (a shell
			// archive's stub) is opened where it follows another
			// archive; looking for "ustar" in all text costs a stop
			// every few dozen bytes.
			continue
		}
		lo, hi := int(from-c.off)+a.lo, min(int(end-c.off)+a.hi, len(c.win))
		for i := max(lo, 0); i < hi; {
			j := bytes.IndexByte(c.win[i:hi], a.b)
			if j < 0 {
				break
			}
			for _, s := range a.sigs {
				m := i + j - s.anchor
				at := m - s.back
				if at < int(from-c.off) || at >= int(end-c.off) || m+len(s.magic) > len(c.win) || string(c.win[m:m+len(s.magic)]) != s.magic {
					continue
				}
				if plausible(c.win[at:], s.kind, c.off+int64(at) == 0) {
					c.cands = append(c.cands, candidate{c.off + int64(at), s.kind})
				}
			}
			i += j + 1
		}
	}
	if len(c.cands) > n {
		slices.SortFunc(c.cands, func(a, b candidate) int { return int(a.at - b.at) })
	}
	c.upto = end
}

// adjacent adds a candidate where an archive may follow the file's start
// or the end of the archive before it (after zero padding): the formats
// not looked for inside a file, and zlib's two-byte header at the start.
func (c *carver) adjacent() {
	i := 0
	if c.off > 0 {
		for i < len(c.win)-keep && c.win[i] == 0 {
			i++
		}
	}
	b := c.win[i:]
	for _, s := range signatures {
		if len(b) >= s.back && bytes.HasPrefix(b[s.back:], []byte(s.magic)) && plausible(b, s.kind, c.off+int64(i) == 0) {
			c.cands = append(c.cands, candidate{c.off + int64(i), s.kind})
			break
		}
	}
	if c.off == 0 && isZlib(b) {
		// Only at the start of a file (a git loose object): two bytes
		// of header are too common to look for inside one.
		c.cands = append(c.cands, candidate{0, kindZlib})
	}
	slices.SortFunc(c.cands, func(a, b candidate) int { return int(a.at - b.at) })
}

// next returns the first candidate at or after from, or false if there
// is none in what was searched.
func (c *carver) next(from int64) (candidate, bool) {
	for len(c.cands) > 0 && c.cands[0].at < from {
		c.cands = c.cands[1:]
	}
	if len(c.cands) == 0 {
		return candidate{}, false
	}
	return c.cands[0], true
}

// carve scans a file's bytes: all of them raw, and every archive found
// in them opened at its offset. Raw findings are held and reported at the
// file's end, those only that no decoder reported too (the same secret,
// fragment and encoding).
func (sc *scanner) carve(path string, r io.Reader, d int) error {
	lv := &sc.levels[d]
	lv.path, lv.raw, lv.report = path, lv.raw[:0], sc.fn
	if lv.stream == nil {
		lv.stream = sc.set.NewStream(func(m pattern.Match) {
			if len(lv.raw) == maxHeld {
				// A log that repeats a value: report, do not grow.
				lv.flush()
			}
			lv.raw = append(lv.raw, Finding{Path: lv.path, Field: "content", Match: m})
		})
	} else {
		lv.stream.Reset()
	}
	c := &lv.c
	*c = carver{r: r, buf: sc.buf(d), raw: lv.stream, cands: c.cands[:0]}
	lv.seen = nil
	from, opens := int64(0), 0
	c.fill()
	c.script = bytes.HasPrefix(c.win, []byte("#!"))
	c.adjacent()
	for {
		c.fill()
		end := c.off + int64(len(c.win))
		if c.err == nil {
			end -= keep
		}
		c.search(end)
		cand, ok := c.next(max(from, c.off))
		if !ok || cand.at >= end {
			if c.err != nil {
				break
			}
			c.win = c.win[end-c.off:]
			c.off = end
			continue
		}
		c.win = c.win[cand.at-c.off:]
		c.off = cand.at
		from = cand.at + 1
		if d >= MaxNesting {
			if cand.kind != kindTar {
				// A tar's bytes are its content; compressed bytes hide it.
				sc.incomplete(path, "archives nested deeper than "+strconv.Itoa(MaxNesting)+" levels")
			}
			continue
		}
		if opens++; opens > maxOpens {
			sc.incomplete(path, "more than "+strconv.Itoa(maxOpens)+" archives in one file")
			continue
		}
		if lv.seen == nil {
			lv.seen = map[origin]bool{}
		}
		sc.recordInto(lv.seen, func() { sc.open(path, cand.kind, c, d, cand.at == 0) })
		if sc.srcErr != nil {
			return sc.srcErr
		}
		if c.off > cand.at {
			c.fill()
			c.adjacent()
		}
		from = max(from, c.off)
	}
	lv.flush()
	sc.viewsDone(lv.stream, path)
	if c.err != io.EOF {
		return c.err
	}
	return nil
}

// level is what carve keeps per nesting level.
type level struct {
	c      carver
	stream *pattern.Stream // the raw scan
	path   string
	raw    []Finding // the raw scan's, held until the file's end
	seen   map[origin]bool
	report func(Finding)
}

// maxHeld bounds the raw findings a level holds.
const maxHeld = 4096

// flush reports the held raw findings that no decoder reported.
func (lv *level) flush() {
	raw := lv.raw
	lv.raw = nil
	for _, f := range raw {
		if !lv.seen[origin{f.SecretID, f.Fragment, f.Encoding}] {
			lv.report(f)
		}
	}
	lv.raw = raw[:0]
}

// recordInto runs scan, adding the (secret, fragment, encoding) of what
// it reports to seen.
func (sc *scanner) recordInto(seen map[origin]bool, scan func()) {
	fn := sc.fn
	sc.fn = func(f Finding) {
		seen[origin{f.SecretID, f.Fragment, f.Encoding}] = true
		fn(f)
	}
	defer func() { sc.fn = fn }()
	scan()
}

// plausible checks the header at the start of b (up to keep bytes, fewer
// at the end of a file) for a signature of kind: enough structure that
// random bytes with the magic in them seldom pass. At a file's start the
// magic alone is enough for gzip, as file(1) has it.
func plausible(b []byte, kind int, start bool) bool {
	switch kind {
	case kindGzip:
		if start {
			return true
		}
		return len(b) >= 10 && b[3]&0xe0 == 0 && (b[8] == 0 || b[8] == 2 || b[8] == 4) && (b[9] <= 13 || b[9] == 255)
	case kindBzip2:
		return len(b) >= 10 && string(b[:3]) == "BZh" && b[3] >= '1' && b[3] <= '9'
	case kindZstd:
		return len(b) >= 6 && b[4]&0x08 == 0
	case kindXz:
		return len(b) >= 12 && b[6] == 0 && b[7]&0xf0 == 0 && crc32.ChecksumIEEE(b[6:8]) == binary.LittleEndian.Uint32(b[8:])
	case kindZip:
		return plausibleZip(b, start)
	case kindTar:
		return tarChecksum(b)
	case kindAr:
		return len(b) >= 68 && string(b[66:68]) == "`\n"
	case kindCpio:
		return cpioHeader(b)
	case kindRpm:
		return len(b) >= 100 && (b[4] == 3 || b[4] == 4) && string(b[96:100]) == "\x8e\xad\xe8\x01"
	case kindPack:
		return len(b) >= 12 && (b[7] == 2 || b[7] == 3)
	}
	return false
}

// plausibleZip checks a local header: a sane version, a method this
// package opens or names, a name.
func plausibleZip(b []byte, start bool) bool {
	if len(b) < 30 {
		return start
	}
	method := binary.LittleEndian.Uint16(b[8:])
	nameLen := binary.LittleEndian.Uint16(b[26:])
	return b[4] <= 63 && b[5] == 0 && zipMethods[method] != "" && nameLen > 0 && nameLen <= 4096
}

// tarChecksum checks a ustar header's checksum: the sum of its bytes,
// the checksum field counted as spaces.
func tarChecksum(b []byte) bool {
	if len(b) < 512 {
		return false
	}
	var want int64
	f := b[148:156]
	i := 0
	for i < len(f) && f[i] == ' ' {
		i++
	}
	digits := 0
	for ; i < len(f) && f[i] >= '0' && f[i] <= '7'; i++ {
		want = want*8 + int64(f[i]-'0')
		digits++
	}
	if digits == 0 {
		return false
	}
	var sum int64
	for j, x := range b[:512] {
		if j >= 148 && j < 156 {
			x = ' '
		}
		sum += int64(x)
	}
	return sum == want
}
