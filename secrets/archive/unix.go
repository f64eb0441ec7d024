package archive

import (
	"bufio"
	"encoding/binary"
	"io"
	"strconv"
	"strings"
)

// The Unix archive formats: ar (a Debian package: debian-binary,
// control.tar.*, data.tar.*), cpio (initramfs, `cpio -o`, an rpm's
// payload; newc, crc and odc headers) and rpm (a lead and two headers in
// front of a compressed cpio, which carve then finds and opens). Their
// headers are strong (fixed magic, digits only, a closing "`\n"), so a
// member cut short makes the scan incomplete.

// ar scans the members of an ar archive: names and content.
func (sc *scanner) ar(path string, br *bufio.Reader, d int) {
	if _, err := br.Discard(8); err != nil {
		return
	}
	prefix := path + "!"
	var longNames string
	for {
		var h [60]byte
		if _, err := io.ReadFull(br, h[:]); err != nil {
			if err != io.EOF {
				sc.undecodable(path, "ar", io.ErrUnexpectedEOF, 0, true)
			}
			return
		}
		if string(h[58:60]) != "`\n" {
			return // not a member: the archive ended; carve looks on
		}
		size, err := strconv.ParseInt(strings.TrimSpace(string(h[48:58])), 10, 64)
		if err != nil || size < 0 {
			return
		}
		name := strings.TrimRight(string(h[:16]), " ")
		body := io.Reader(br)
		switch {
		case strings.HasPrefix(name, "#1/"): // BSD: the name leads the data
			n, err := strconv.Atoi(name[3:])
			if err != nil || int64(n) > size || n > 4096 {
				return
			}
			b := make([]byte, n)
			if _, err := io.ReadFull(br, b); err != nil {
				sc.undecodable(path, "ar", io.ErrUnexpectedEOF, 0, true)
				return
			}
			name, size = strings.TrimRight(string(b), "\x00"), size-int64(n)
		case name == "//": // GNU: the long names table
			b := make([]byte, min(size, 1<<20))
			if _, err := io.ReadFull(br, b); err != nil {
				sc.undecodable(path, "ar", io.ErrUnexpectedEOF, 0, true)
				return
			}
			longNames = string(b)
			size -= int64(len(b))
		case strings.HasPrefix(name, "/") && len(name) > 1 && name[1] >= '0' && name[1] <= '9':
			if off, err := strconv.Atoi(name[1:]); err == nil && off < len(longNames) {
				name, _, _ = strings.Cut(longNames[off:], "/\n")
			}
		}
		name = strings.TrimSuffix(name, "/")
		p := prefix + sc.set.RedactString(name)
		sc.name(prefix, p, name, "name", true)
		lr := &io.LimitedReader{R: body, N: size}
		if err := sc.inner(p, lr, d+1); err != nil {
			return
		}
		if lr.N > 0 {
			sc.undecodable(p, "ar", io.ErrUnexpectedEOF, 0, true)
			return
		}
		if size%2 == 1 {
			if b, err := br.Peek(1); err == nil && b[0] == '\n' {
				_, _ = br.Discard(1)
			}
		}
	}
}

// cpioHeader reports whether b starts with a cpio header: newc or crc
// (hex digits) or odc (octal digits).
func cpioHeader(b []byte) bool {
	switch {
	case len(b) >= 110 && (string(b[:6]) == "070701" || string(b[:6]) == "070702"):
		for _, c := range b[6:110] {
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
		return true
	case len(b) >= 76 && string(b[:6]) == "070707":
		for _, c := range b[6:76] {
			if c < '0' || c > '7' {
				return false
			}
		}
		return true
	}
	return false
}

// cpio scans the entries of a cpio archive up to its trailer: names,
// symlink targets, file content.
func (sc *scanner) cpio(path string, br *bufio.Reader, d int) {
	prefix := path + "!"
	var h [110]byte
	for {
		b, err := br.Peek(110)
		if len(b) < 76 || !cpioHeader(b) {
			if err == nil || len(b) > 0 {
				sc.undecodable(path, "cpio", io.ErrUnexpectedEOF, 0, true)
			}
			return
		}
		newc := b[5] != '7'
		hl := 76
		if newc {
			hl = 110
		}
		_, _ = io.ReadFull(br, h[:hl])
		var mode, nameLen, size int64
		if newc {
			mode, nameLen, size = hexField(h[14:22]), hexField(h[94:102]), hexField(h[54:62])
		} else {
			mode, _ = strconv.ParseInt(string(h[18:24]), 8, 64)
			nameLen, _ = strconv.ParseInt(string(h[59:65]), 8, 64)
			size, _ = strconv.ParseInt(string(h[65:76]), 8, 64)
		}
		if nameLen <= 0 || nameLen > 1<<16 {
			return
		}
		nb := make([]byte, nameLen)
		if _, err := io.ReadFull(br, nb); err != nil {
			sc.undecodable(path, "cpio", io.ErrUnexpectedEOF, 0, true)
			return
		}
		if newc {
			_, _ = br.Discard(pad4(int64(hl) + nameLen))
		}
		name := strings.TrimRight(string(nb), "\x00")
		if name == "TRAILER!!!" {
			return
		}
		p := prefix + sc.set.RedactString(name)
		sc.name(prefix, p, name, "name", true)
		lr := &io.LimitedReader{R: br, N: size}
		switch mode & 0o170000 {
		case 0o100000:
			if err := sc.inner(p, lr, d+1); err != nil {
				return
			}
		case 0o120000:
			if size <= 4096 {
				t, _ := io.ReadAll(lr)
				sc.name(prefix, p, string(t), "linkname", true)
			}
		}
		if _, err := io.Copy(io.Discard, lr); err != nil || lr.N > 0 {
			sc.undecodable(p, "cpio", io.ErrUnexpectedEOF, 0, true)
			return
		}
		if newc {
			_, _ = br.Discard(pad4(size))
		}
	}
}

func hexField(b []byte) int64 {
	n, err := strconv.ParseInt(string(b), 16, 64)
	if err != nil {
		return -1
	}
	return n
}

// pad4 is how many bytes bring n to a multiple of 4.
func pad4(n int64) int { return int((4 - n%4) % 4) }

// rpm skips an rpm's lead and its signature and main headers (their
// bytes are raw-scanned: names, scripts): the compressed cpio payload
// after them is for carve to open.
func (sc *scanner) rpm(path string, br *bufio.Reader, d int) {
	if _, err := br.Discard(96); err != nil {
		return
	}
	for i := range 2 {
		var h [16]byte
		if _, err := io.ReadFull(br, h[:]); err != nil || string(h[:3]) != "\x8e\xad\xe8" {
			sc.undecodable(path, "rpm", io.ErrUnexpectedEOF, 0, true)
			return
		}
		n := int64(binary.BigEndian.Uint32(h[8:]))*16 + int64(binary.BigEndian.Uint32(h[12:]))
		if i == 0 {
			n += int64(pad8(n))
		}
		if _, err := br.Discard(int(min(n, 1<<31))); err != nil {
			sc.undecodable(path, "rpm", io.ErrUnexpectedEOF, 0, true)
			return
		}
	}
	_ = d
}

func pad8(n int64) int { return int((8 - n%8) % 8) }
