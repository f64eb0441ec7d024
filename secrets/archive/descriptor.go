package archive

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
)

// descTail is how many bytes a descReader holds back: a descriptor may
// start in them (24 bytes at most, signed with 64-bit sizes) with the next
// header's signature after it.
const descTail = 24 + 4

var errNoDescriptor = errors.New("zip member without its data descriptor")

// descReader reads a member whose size only its data descriptor gives:
// its bytes up to the first place where a descriptor fits, that is, a
// compressed size equal to the bytes read so far and, for a stored member,
// the same uncompressed size and the CRC-32 of those bytes (a nested jar's
// own headers and descriptors never fit: their sizes are their members').
// Without the descriptor's signature, the next header must follow it.
// EOF comes once the descriptor is consumed; errNoDescriptor if the zip
// ends first.
type descReader struct {
	br     *bufio.Reader
	stored bool
	n      int64  // bytes returned
	crc    uint32 // of the bytes returned, when stored
	done   bool
}

func (r *descReader) Read(p []byte) (int, error) {
	if r.done {
		return 0, io.EOF
	}
	win, err := r.br.Peek(r.br.Size())
	at, size := r.find(win)
	switch {
	case at == 0:
		_, _ = r.br.Discard(size)
		r.done = true
		return 0, io.EOF
	case at > 0:
		win = win[:at]
	case err == nil:
		win = win[:len(win)-descTail]
	case len(win) == 0:
		if err == io.EOF {
			err = errNoDescriptor
		}
		return 0, err
	}
	n := copy(p, win)
	if r.stored {
		r.crc = crc32.Update(r.crc, crc32.IEEETable, p[:n])
	}
	r.n += int64(n)
	_, _ = r.br.Discard(n)
	return n, nil
}

// find returns where in win the first descriptor starts and its length,
// or -1.
func (r *descReader) find(win []byte) (at, size int) {
	best, bestSize := -1, 0
	try := func(k int) {
		if k < 0 || (best >= 0 && k >= best) {
			return
		}
		if n := r.descriptor(win, k); n > 0 {
			best, bestSize = k, n
		}
	}
	for off := 0; ; {
		j := bytes.Index(win[off:], []byte("PK"))
		if j < 0 || (best >= 0 && off+j-20 >= best) {
			break
		}
		j += off
		if j+4 <= len(win) && string(win[j+2:j+4]) == "\x07\x08" {
			try(j)
		} else if nextHeader(win[j:]) {
			try(j - 20)
			try(j - 12)
		}
		off = j + 1
	}
	return best, bestSize
}

// descriptor returns the length of the descriptor at win[k:] if one fits
// there, else 0.
func (r *descReader) descriptor(win []byte, k int) int {
	b := win[k:]
	signed := len(b) >= 4 && string(b[:4]) == "PK\x07\x08"
	start := 0
	if signed {
		start = 4
	}
	want := r.n + int64(k)
	crcOK := func() bool {
		return !r.stored || crc32.Update(r.crc, crc32.IEEETable, win[:k]) == binary.LittleEndian.Uint32(b[start:])
	}
	// The next header after it tells 32- from 64-bit sizes; a signed
	// descriptor at the end of a cut zip has none.
	for _, c := range []struct{ wide, next bool }{{false, true}, {true, true}, {false, false}, {true, false}} {
		n := start + 12
		if c.wide {
			n = start + 20
		}
		if len(b) < n || (c.next && !nextHeader(b[n:])) || (!c.next && (!signed || len(b) >= n+4)) {
			continue
		}
		var cs, us int64
		if c.wide {
			cs, us = int64(binary.LittleEndian.Uint64(b[start+4:])), int64(binary.LittleEndian.Uint64(b[start+12:]))
		} else {
			cs, us = int64(binary.LittleEndian.Uint32(b[start+4:])), int64(binary.LittleEndian.Uint32(b[start+8:]))
		}
		if cs == want && (!r.stored || us == want) && crcOK() {
			return n
		}
	}
	return 0
}
