package archive

import (
	"archive/tar"
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/hushbuild/hush/secrets/pattern"
)

// Finding is a Match in a layer or file.
type Finding struct {
	// Path is the file the match is in, with every pattern occurrence in
	// it replaced by "****". Members of nested archives are named
	// outer!inner: "app/deps.tar.gz!pkg/.npmrc". A compressed file
	// (.gz, .bz2, .zst) is transparent: its content is reported under its
	// own path.
	Path string
	// InName is true when the match is in the name or the link target,
	// not in the content.
	InName bool
	// Field says where the match is: "content", "name", "linkname",
	// "uname", "gname", "pax KEY" (PAX records and xattrs), "comment"
	// (zip and gzip comments, gzip's stored name).
	Field string
	pattern.Match
}

// String shows where and what, never the bytes.
func (f Finding) String() string {
	return fmt.Sprintf("%s (%s): %s", f.Path, f.Field, f.Match.String())
}

// GoString redacts %#v the same way.
func (f Finding) GoString() string { return f.String() }

// Format makes every verb print String.
func (f Finding) Format(st fmt.State, _ rune) { _, _ = st.Write([]byte(f.String())) }

// Limits of the nested-archive scan. Beyond them, bytes are scanned as they
// are, without looking inside.
const (
	// MaxNesting is how many archive or compression levels are opened
	// inside a file (a .tar.gz is two; a gzip layer of a docker save
	// tarball inside a .tar.gz is four, a file in it five). A compressed
	// level deeper than this is not opened and makes the scan incomplete.
	MaxNesting = 8
	// MaxZipBuffer is how many bytes of zip files may be held in memory at
	// once: a zip is read from its end, and a layer is a stream.
	MaxZipBuffer = 64 << 20
	// MaxExpansion bounds the bytes decompressed for one ScanFile or
	// ScanTar call, so a decompression bomb costs seconds, not hours. The
	// bound grows by ExpansionRatio times the bytes read from the caller,
	// so a big layer of ordinary compressed files never reaches it. A scan
	// that reaches it is incomplete (ErrIncomplete).
	MaxExpansion = 4 << 30
	// ExpansionRatio is how many decompressed bytes each byte read from
	// the caller adds to the budget.
	ExpansionRatio = 64
)

// ErrIncomplete is wrapped by the error of a scan that could not look at
// everything: the decompression budget ran out, or compressed archives
// nested deeper than MaxNesting. Everything it could look at was scanned
// and reported; the caller must not take the data for clean.
var ErrIncomplete = errors.New("scan incomplete")

// The limits in force; tests lower them.
var (
	zipLimit    int64 = MaxZipBuffer
	expandLimit int64 = MaxExpansion
	expandRatio int64 = ExpansionRatio
)

// ScanFile scans one file: its name (path), and its bytes, opening nested
// gzip, bzip2, zstd, tar and zip content by its magic bytes. A nested
// archive that turns out corrupt is scanned as plain bytes from where it
// failed; only errors reading r are returned.
func ScanFile(s *pattern.Set, path string, r io.Reader, fn func(Finding)) error {
	if s.Len() == 0 {
		return nil
	}
	f := NewFiles(s)
	defer f.Close()
	return f.Scan(path, r, fn)
}

// ScanTar scans an uncompressed layer tar stream: every entry's name, link
// target, user and group names and PAX records (xattrs included), and every
// regular file's content through ScanFile's nested-archive logic. Errors
// reading r, or a malformed layer, are returned.
func ScanTar(s *pattern.Set, r io.Reader, fn func(Finding)) error {
	if s.Len() == 0 {
		return nil
	}
	sc := getScanner(s, fn)
	defer putScanner(sc)
	return cmp.Or(sc.tar("", sc.source(r), 0, true), sc.short)
}

// incomplete records the first reason the scan cannot see everything.
func (sc *scanner) incomplete(path, why string) {
	if sc.short == nil {
		sc.short = fmt.Errorf("%w: %s at %s", ErrIncomplete, why, path)
	}
}

// scanner is the state of one ScanFile or ScanTar call. Level d holds what
// the content of nesting level d needs; a level is busy only while its
// content is read, so one of each per level is enough.
type scanner struct {
	set    *pattern.Set
	fn     func(Finding)
	srcErr error // first error reading the caller's reader
	budget int64 // bytes that may still be decompressed, before ExpansionRatio
	read   int64 // bytes read from the caller
	short  error // why the scan is incomplete, if it is
	zipBuf int64 // bytes of zip held in memory
	seen   map[string]bool
	member srcReader // the current layer member, as a source

	bufs   [MaxNesting + 1][]byte
	bufrs  [MaxNesting + 1]*bufio.Reader
	flates [MaxNesting + 1]io.ReadCloser
	zips   [MaxNesting + 1][]byte // a held zip's buffer, kept if small
	levels [MaxNesting + 1]level  // carve's state
}

// scanners keeps the buffers (256 KiB a level) across calls; the guard
// scans layers in parallel and ScanFile may be called per file.
var scanners = sync.Pool{New: func() any { return &scanner{} }}

func getScanner(s *pattern.Set, fn func(Finding)) *scanner {
	sc := scanners.Get().(*scanner)
	sc.reset(s, fn)
	return sc
}

// putScanner drops everything tied to the call: the Set (Streams are made
// from it), the callback, the readers.
func putScanner(sc *scanner) {
	sc.set, sc.fn, sc.seen, sc.member = nil, nil, nil, srcReader{}
	for i := range sc.levels {
		// Streams are made from the Set; the carver holds the reader.
		sc.levels[i] = level{raw: sc.levels[i].raw[:0]}
	}
	for _, b := range sc.bufrs {
		if b != nil {
			b.Reset(nil)
		}
	}
	scanners.Put(sc)
}

// buf is the read buffer of nesting level d.
func (sc *scanner) buf(d int) []byte {
	if sc.bufs[d] == nil {
		sc.bufs[d] = make([]byte, 256<<10)
	}
	return sc.bufs[d]
}

// source wraps the caller's reader so its errors, unlike a nested
// archive's, are told apart and returned.
func (sc *scanner) source(r io.Reader) io.Reader { return &srcReader{r: r, sc: sc} }

type srcReader struct {
	r  io.Reader
	sc *scanner
}

func (s *srcReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.sc.read += int64(n)
	if err != nil && err != io.EOF && s.sc.srcErr == nil {
		s.sc.srcErr = err
	}
	return n, err
}

// name reports the matches in a name-like string of an entry. Hits on a
// directory part of a path are reported once per directory (within one
// archive, the scope), not once per file below it.
func (sc *scanner) name(scope, path, text, field string, inName bool) {
	for _, m := range sc.set.Find([]byte(text)) {
		if inName {
			end := int(m.Offset) + m.Length
			if i := strings.IndexByte(text[end:], '/'); i >= 0 {
				key := scope + "\x00" + text[:end+i] + "\x00" + m.SecretID + "\x00" + m.Fragment + "\x00" + m.Encoding
				if sc.seen[key] {
					continue
				}
				if sc.seen == nil {
					sc.seen = map[string]bool{}
				}
				sc.seen[key] = true
			}
		}
		sc.fn(Finding{Path: path, InName: inName, Field: field, Match: m})
	}
}

// viewsDone makes the scan incomplete when the Stream's decoding views
// could not decode all of path (a budget, a corrupt compressed run).
func (sc *scanner) viewsDone(st *pattern.Stream, path string) {
	if err := st.Err(); err != nil {
		sc.incomplete(path, strings.TrimPrefix(err.Error(), pattern.ErrIncomplete.Error()+": "))
	}
}

// tar scans the entries of a tar stream; prefix names the archive
// ("outer.tar!") or is empty for a layer. top is true for a layer, whose
// read errors are returned; a nested tar that fails just ends (its caller
// scans its bytes as they are).
func (sc *scanner) tar(prefix string, r io.Reader, d int, top bool) error {
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if top || sc.srcErr != nil {
				return fmt.Errorf("reading tar: %w", cmp.Or(sc.srcErr, err))
			}
			if errors.Is(err, io.ErrUnexpectedEOF) {
				// A tar cut short: its checksummed header made it
				// recognised.
				sc.undecodable(strings.TrimSuffix(prefix, "!"), "tar", err, 0, true)
			}
			return nil
		}
		p := prefix + sc.set.RedactString(hdr.Name)
		HeaderTexts(hdr, func(h HeaderText) {
			field := h.Field
			if h.Key != "" {
				field = "pax " + sc.set.RedactString(h.Key)
			}
			sc.name(prefix, p, h.Text, field, h.InName)
		})
		switch hdr.Typeflag {
		case tar.TypeReg, tar.TypeGNUSparse, tar.TypeCont, '\x00':
		default:
			continue
		}
		var body io.Reader = tr
		if sparse(hdr) {
			// Its holes read as zeros it does not store: a member of
			// 1 TiB apparent size in a few bytes. They are charged to the
			// decompression budget like a compressed stream's output.
			body = &budgetReader{r: tr, sc: sc, path: p}
		}
		if top {
			// A layer's member cut short is the layer's error.
			sc.member = srcReader{r: body, sc: sc}
			body = &sc.member
		}
		if err := sc.content(p, body, d); err != nil {
			if top || sc.srcErr != nil {
				return fmt.Errorf("reading %s: %w", p, cmp.Or(sc.srcErr, err))
			}
			if errors.Is(err, io.ErrUnexpectedEOF) {
				sc.undecodable(p, "tar", err, 0, true) // a member cut short
			}
			return nil
		}
	}
}

var errBudget = errors.New("decompression budget exhausted")

// sparse reports whether a tar entry is a sparse file (GNU old format or
// PAX 0.0, 0.1, 1.0).
func sparse(hdr *tar.Header) bool {
	if hdr.Typeflag == tar.TypeGNUSparse {
		return true
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}
