package archive

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"io"
	"strconv"

	"github.com/klauspost/compress/flate"
)

// git packfiles (v2, v3). After `git gc` most blobs are deltas against
// another object of the pack: runs of bytes copied from the base between
// inserted bytes, so an old blob's bytes are nowhere in one piece. Every
// object is inflated and every delta applied (its base resolved by offset
// or by object id within the pack), and the whole object is scanned. Bases
// are held in memory up to packHold bytes in all; a delta whose base was
// not held, or that does not apply, makes the scan incomplete.

// packHold bounds the object bytes one pack holds for the deltas after
// them; packObjMax the size of one object read into memory.
var (
	packHold   int64 = 512 << 20
	packObjMax int64 = 256 << 20
)

type packObj struct {
	typ  byte
	data []byte
}

// byteCounter counts the bytes read from a bufio.Reader: object offsets.
type byteCounter struct {
	br *bufio.Reader
	n  int64
}

func (b *byteCounter) Read(p []byte) (int, error) {
	n, err := b.br.Read(p)
	b.n += int64(n)
	return n, err
}

func (b *byteCounter) ReadByte() (byte, error) {
	c, err := b.br.ReadByte()
	if err == nil {
		b.n++
	}
	return c, err
}

var errDelta = errors.New("delta does not apply")

// pack scans each object of a git packfile, deltas applied.
func (sc *scanner) pack(path string, br *bufio.Reader, d int) {
	bc := &byteCounter{br: br}
	var h [12]byte
	if _, err := io.ReadFull(bc, h[:]); err != nil {
		return
	}
	n := binary.BigEndian.Uint32(h[8:])
	objs := map[int64]packObj{}
	var ids map[[20]byte]int64
	held := int64(0)
	var fr io.Reader // one inflater for the pack, reading through bc
	var zh [2]byte
	for i := range n {
		start := bc.n
		c, err := bc.ReadByte()
		if err != nil {
			sc.undecodable(path, "git pack", io.ErrUnexpectedEOF, 0, i > 0)
			return
		}
		typ := c >> 4 & 7
		size := int64(c & 15)
		for shift := 4; c&0x80 != 0 && shift < 64; shift += 7 {
			if c, err = bc.ReadByte(); err != nil {
				sc.undecodable(path, "git pack", io.ErrUnexpectedEOF, 0, i > 0)
				return
			}
			size |= int64(c&0x7f) << shift
		}
		var base *packObj
		baseKnown := true
		switch typ {
		case 1, 2, 3, 4: // commit, tree, blob, tag
		case 6: // offset delta
			c, err = bc.ReadByte()
			ofs := int64(c & 0x7f)
			for err == nil && c&0x80 != 0 {
				c, err = bc.ReadByte()
				ofs = (ofs+1)<<7 | int64(c&0x7f)
			}
			if err != nil {
				sc.undecodable(path, "git pack", io.ErrUnexpectedEOF, 0, i > 0)
				return
			}
			o, ok := objs[start-ofs]
			base, baseKnown = &o, ok
		case 7: // reference delta
			var id [20]byte
			if _, err := io.ReadFull(bc, id[:]); err != nil {
				sc.undecodable(path, "git pack", io.ErrUnexpectedEOF, 0, i > 0)
				return
			}
			if ids == nil {
				ids = packIDs(objs)
			}
			off, ok := ids[id]
			o := objs[off]
			base, baseKnown = &o, ok
		default:
			sc.undecodable(path, "git pack", errDelta, 0, i > 0)
			return
		}
		if hd, err := br.Peek(2); err != nil || !isZlib(hd) {
			sc.undecodable(path, "git pack", io.ErrUnexpectedEOF, 0, i > 0)
			return
		}
		_, _ = bc.Read(zh[:])
		if fr == nil {
			fr = flate.NewReader(bc)
		} else {
			_ = fr.(flate.Resetter).Reset(bc, nil)
		}
		if size > packObjMax {
			// Too big to hold: scanned as it streams, no delta base.
			if typ >= 6 {
				sc.incomplete(path, "git delta larger than "+strconv.FormatInt(packObjMax>>20, 10)+" MiB")
			}
			cr := &countReader{r: fr}
			err := sc.inner(path, cr, d+1)
			sc.undecodable(path, "git pack", err, cr.n, true)
			if err != nil {
				return
			}
		} else {
			data := make([]byte, 0, size)
			buf := bytes.NewBuffer(data)
			m, err := io.Copy(buf, io.LimitReader(fr, size+1))
			if err != nil || m != size {
				if err == nil {
					err = io.ErrUnexpectedEOF
				}
				sc.undecodable(path, "git pack", err, m, i > 0 || m >= recogMin)
				return
			}
			data = buf.Bytes()
			if base != nil {
				if !baseKnown {
					// Its inserted bytes are still scanned.
					sc.incomplete(path, "git delta whose base is not held")
				} else if data, err = applyDelta(base.data, data); err != nil {
					sc.undecodable(path, "git pack", err, 0, true)
					return
				} else {
					typ = base.typ
				}
			}
			if err := sc.inner(path, bytes.NewReader(data), d+1); err != nil {
				return
			}
			if base == nil || baseKnown {
				if held+int64(len(data)) <= packHold {
					held += int64(len(data))
					objs[start] = packObj{typ, data}
					if ids != nil {
						ids[objID(typ, data)] = start
					}
				}
			}
		}
		// The stream's end and its Adler-32.
		if _, err := io.Copy(io.Discard, fr); err != nil {
			return
		}
		if _, err := io.ReadFull(bc, zh[:]); err != nil {
			return
		}
		if _, err := io.ReadFull(bc, zh[:]); err != nil {
			return
		}
	}
}

// packIDs names the held objects by their git object id.
func packIDs(objs map[int64]packObj) map[[20]byte]int64 {
	ids := make(map[[20]byte]int64, len(objs))
	for off, o := range objs {
		ids[objID(o.typ, o.data)] = off
	}
	return ids
}

// objID is git's name for an object: the SHA-1 of its type, size and
// content.
func objID(typ byte, data []byte) [20]byte {
	names := [...]string{"", "commit", "tree", "blob", "tag"}
	h := sha1.New()
	if int(typ) < len(names) {
		h.Write([]byte(names[typ]))
	}
	h.Write([]byte(" " + strconv.Itoa(len(data)) + "\x00"))
	h.Write(data)
	var id [20]byte
	copy(id[:], h.Sum(nil))
	return id
}

// applyDelta builds an object from its base and a git delta: the sizes of
// base and result, then copy (offset, length in the base) and insert
// (bytes that follow) instructions.
func applyDelta(base, delta []byte) ([]byte, error) {
	varint := func() (int64, bool) {
		var n int64
		for shift := 0; len(delta) > 0 && shift < 64; shift += 7 {
			c := delta[0]
			delta = delta[1:]
			n |= int64(c&0x7f) << shift
			if c&0x80 == 0 {
				return n, true
			}
		}
		return 0, false
	}
	bs, ok1 := varint()
	rs, ok2 := varint()
	if !ok1 || !ok2 || bs != int64(len(base)) || rs > packObjMax {
		return nil, errDelta
	}
	out := make([]byte, 0, rs)
	for len(delta) > 0 {
		op := delta[0]
		delta = delta[1:]
		if op&0x80 == 0 {
			n := int(op)
			if n == 0 || n > len(delta) {
				return nil, errDelta
			}
			out = append(out, delta[:n]...)
			delta = delta[n:]
			continue
		}
		var off, n int64
		for i := range 7 {
			if op&(1<<i) == 0 {
				continue
			}
			if len(delta) == 0 {
				return nil, errDelta
			}
			if i < 4 {
				off |= int64(delta[0]) << (8 * i)
			} else {
				n |= int64(delta[0]) << (8 * (i - 4))
			}
			delta = delta[1:]
		}
		if n == 0 {
			n = 0x10000
		}
		if off+n > int64(len(base)) {
			return nil, errDelta
		}
		out = append(out, base[off:off+n]...)
	}
	if int64(len(out)) != rs {
		return nil, errDelta
	}
	return out, nil
}
