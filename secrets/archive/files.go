package archive

import (
	"cmp"
	"fmt"
	"io"

	"github.com/hushbuild/hush/secrets/pattern"
)

// Files scans the files of one layer one after another, each as ScanFile
// does, with one set of buffers and Streams for them all: audit's engine
// (and so the commit guard) walks a layer's tar itself and hands each file
// here, and a layer of many small files then costs what ScanTar costs. Not
// safe for concurrent use; Close releases it.
type Files struct {
	set *pattern.Set
	sc  *scanner
}

// NewFiles makes a Files for set; with an empty set it finds nothing.
func NewFiles(set *pattern.Set) *Files {
	if set.Len() == 0 {
		return &Files{}
	}
	return &Files{set: set, sc: getScanner(set, nil)}
}

// Scan is ScanFile with f's buffers: every limit and the directory-name
// deduplication start afresh for each file.
func (f *Files) Scan(path string, r io.Reader, fn func(Finding)) error {
	if f.sc == nil {
		return nil
	}
	sc := f.sc
	sc.reset(f.set, fn)
	sc.name("", f.set.RedactString(path), path, "name", true)
	if err := cmp.Or(sc.content(f.set.RedactString(path), sc.source(r), 0), sc.short); err != nil {
		return fmt.Errorf("scanning %s: %w", f.set.RedactString(path), err)
	}
	return nil
}

// Close gives the buffers back; f finds nothing after it.
func (f *Files) Close() {
	if f.sc != nil {
		putScanner(f.sc)
		f.sc = nil
	}
}

// reset starts a call: no error, a full budget, nothing seen.
func (sc *scanner) reset(s *pattern.Set, fn func(Finding)) {
	sc.set, sc.fn, sc.srcErr, sc.budget, sc.zipBuf = s, fn, nil, expandLimit, 0
	sc.read, sc.short, sc.seen, sc.member = 0, nil, nil, srcReader{}
}
