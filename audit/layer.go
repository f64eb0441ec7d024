package audit

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/klauspost/pgzip"
	"github.com/ulikunitz/xz"

	"github.com/hushbuild/hush/audit/heuristic"
	"github.com/hushbuild/hush/audit/layertar"
	"github.com/hushbuild/hush/secrets/archive"
	"github.com/hushbuild/hush/secrets/pattern"
)

// LayerScan is what one pass over a layer leaves: its findings, and the
// paths it adds, deletes and makes opaque, from which hidden and runtime
// are resolved across layers afterwards, with no second read.
type LayerScan struct {
	entries   map[string]entry // path -> its last entry in the layer
	whiteouts map[string]bool  // paths deleted from the layers below
	opaques   map[string]bool  // directories whose lower content is hidden
	hits      []rawHit
	size      int64 // uncompressed bytes
}

// Hits is how many findings the layer holds before resolution: 0 for a
// layer in which nothing was found.
func (ls *LayerScan) Hits() int { return len(ls.hits) }

type entry struct {
	idx int32
	dir bool
}

// rawHit is a finding before resolution: entryPath and entryIdx place the
// layer entry it is in (a member of a nested archive is in its outer file).
type rawHit struct {
	entryPath string
	entryIdx  int32
	f         Finding
}

// scanner holds what every layer scan shares.
type scanner struct {
	set    *pattern.Set // nil when no known values
	heur   bool
	redact func(string) string
	limits layertar.Limits // zero: the defaults
}

// decompress sniffs a layer stream: gzip (parallel read-ahead inflate),
// zstd, xz, bzip2, or a plain tar.
func decompress(r io.Reader) (io.Reader, func(), error) {
	br := bufio.NewReaderSize(r, 1<<16)
	magic, err := br.Peek(6)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, nil, err
	}
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		zr, err := pgzip.NewReaderN(br, 1<<20, 4)
		if err != nil {
			return nil, nil, fmt.Errorf("gzip: %w", err)
		}
		return zr, func() { zr.Close() }, nil
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(2), zstd.WithDecoderLowmem(false))
		if err != nil {
			return nil, nil, fmt.Errorf("zstd: %w", err)
		}
		return zr, zr.Close, nil
	case bytes.HasPrefix(magic, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		zr, err := xz.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("xz: %w", err)
		}
		return zr, func() {}, nil
	case bytes.HasPrefix(magic, []byte("BZh")):
		return bzip2.NewReader(br), func() {}, nil
	}
	return br, func() {}, nil
}

// cleanPath makes a tar entry name absolute and clean: "./etc/x/" -> "/etc/x".
func cleanPath(name string) string {
	return path.Clean("/" + name)
}

// scan reads one layer once: every entry's path (for hidden/runtime), every
// regular file's bytes through the known-value matcher (nested archives
// included) and the private-key detector, credential files' content
// through their heuristics, names and link targets through the matcher.
func (s *scanner) scan(ctx context.Context, r io.Reader) (*LayerScan, error) {
	dr, done, err := decompress(r)
	if err != nil {
		return nil, err
	}
	defer done()
	meter := layertar.NewMeter(ctx, s.limits)
	cr := &countingReader{r: meter.Source(dr)}
	ls := &LayerScan{entries: map[string]entry{}, whiteouts: map[string]bool{}, opaques: map[string]bool{}}
	// Content findings by entry path, for hard links to copy.
	byPath := map[string][]int{}
	buf := make([]byte, 256<<10)
	var kd heuristic.KeyDetector
	files := archive.NewFiles(s.set) // one set of buffers for the layer's files
	defer files.Close()
	names := map[string]bool{} // name hits already reported, by directory
	tr := tar.NewReader(cr)
	for idx := int32(0); ; idx++ {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading tar: %w", err)
		}
		if idx%256 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if why := layertar.BadName(hdr.Name); why != "" {
			// What was found so far stays, as for any incomplete scan.
			return ls, layertar.Refused(s.redact(hdr.Name), why)
		}
		p := cleanPath(hdr.Name)
		if p == "/" {
			continue
		}
		dir, base := path.Split(p)
		if strings.HasPrefix(base, ".wh.") {
			switch {
			case base == ".wh..wh..opq":
				ls.opaques[path.Clean(dir)] = true
			case strings.HasPrefix(base, ".wh..wh."):
				// aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs): no path.
			default:
				ls.whiteouts[path.Join(dir, base[len(".wh."):])] = true
			}
			continue
		}
		ls.entries[p] = entry{idx: idx, dir: hdr.Typeflag == tar.TypeDir}
		add := func(f Finding) {
			ls.hits = append(ls.hits, rawHit{entryPath: p, entryIdx: idx, f: f})
		}
		switch hdr.Typeflag {
		case tar.TypeReg, tar.TypeRegA, tar.TypeGNUSparse, tar.TypeCont:
			first := len(ls.hits)
			body := meter.Member(tr, s.redact(p))
			if err := s.scanFile(p, hdr, body, buf, &kd, files, add, names); err != nil {
				// What was found so far stays: the guard lists it when
				// it refuses an image it could not read to the end.
				return ls, fmt.Errorf("reading %s: %w", s.redact(p), err)
			}
			for i := first; i < len(ls.hits); i++ {
				if !ls.hits[i].f.InName {
					byPath[p] = append(byPath[p], i)
				}
			}
		case tar.TypeLink:
			// A hard link is the same bytes under another name: each
			// content finding of its target is also one at the link,
			// which a later layer may hide or not independently.
			target := cleanPath(hdr.Linkname)
			for _, i := range byPath[target] {
				f := ls.hits[i].f
				f.Path = s.redact(p) + strings.TrimPrefix(f.Path, s.redact(target))
				f.LinkTo = s.redact(target)
				add(f)
				byPath[p] = append(byPath[p], len(ls.hits)-1)
			}
			s.scanNames(p, hdr, add, names)
		default:
			s.scanNames(p, hdr, add, names)
		}
	}
	// Drain what follows the end-of-archive marker, so the transport can
	// verify the whole blob and the count is the layer's size.
	_ = drain(cr, buf)
	ls.size = cr.n
	return ls, nil
}

// known turns a matcher finding into an audit finding at path p. A match
// in a directory part of the name is reported once per directory, not for
// every file below it.
func (s *scanner) known(p string, f archive.Finding, add func(Finding), names map[string]bool) {
	out := Finding{Rule: RuleKnownSecret, SecretID: f.SecretID, Fragment: f.Fragment, Encoding: f.Encoding,
		InName: f.InName, Path: f.Path}
	if f.Field != "" && f.Field != "content" && f.Field != "name" {
		out.Detail = "in " + f.Field
	}
	if f.InName && f.Field == "name" && !strings.Contains(f.Path, "!") {
		if dir := path.Dir(p); f.Offset+int64(f.Length) <= int64(len(dir)) {
			k := dir + "\x00" + f.SecretID
			if names[k] {
				return
			}
			names[k] = true
			out.Path = s.redact(dir)
		}
	}
	if out.Path == "" {
		out.Path = s.redact(p)
	}
	add(out)
}

// scanNames matches what a non-regular entry has besides content: its
// name, link target, owner names and PAX records (xattrs).
func (s *scanner) scanNames(p string, hdr *tar.Header, add func(Finding), names map[string]bool) {
	s.scanHeader(p, hdr, add, names, true)
}

// scanHeader matches an entry's header by archive's one rule
// (HeaderTexts); its name and link target only withName (a regular file's
// name goes through archive.Files with its content). The name matched is
// the entry's clean path, as findings name it.
func (s *scanner) scanHeader(p string, hdr *tar.Header, add func(Finding), names map[string]bool, withName bool) {
	if s.set == nil {
		return
	}
	archive.HeaderTexts(hdr, func(h archive.HeaderText) {
		if h.InName && !withName {
			return
		}
		text, field := h.Text, h.Field
		if field == "name" {
			text = p
		}
		if h.Key != "" {
			field = "pax " + s.redact(h.Key)
		}
		for _, m := range s.set.Find([]byte(text)) {
			s.known(p, archive.Finding{Path: s.redact(p), InName: true, Field: field, Match: m}, add, names)
		}
	})
}

// scanFile streams one regular file through everything that looks at
// content, reading it once.
func (s *scanner) scanFile(p string, hdr *tar.Header, r io.Reader, buf []byte, kd *heuristic.KeyDetector, files *archive.Files, add func(Finding), names map[string]bool) error {
	var cred []byte
	if s.heur && heuristic.CredentialFile(p) {
		// Small files: read the head once and replay it to the matcher.
		n := min(hdr.Size, heuristic.MaxCredentialFile)
		cred = make([]byte, n)
		if _, err := io.ReadFull(r, cred); err != nil {
			return err
		}
		r = io.MultiReader(bytes.NewReader(cred), r)
	}
	if s.heur {
		kd.Reset()
		r = io.TeeReader(r, kd)
	}
	if s.set != nil {
		s.scanHeader(p, hdr, add, names, false)
		err := files.Scan(p, r, func(f archive.Finding) { s.known(p, f, add, names) })
		if err != nil {
			return err
		}
	}
	// What ScanFile did not need (or all of it, with no known values)
	// still goes through the key detector.
	if s.heur {
		if err := drain(r, buf); err != nil {
			return err
		}
		_ = kd.Close()
		for _, h := range kd.Hits() {
			add(Finding{Rule: h.Rule, Detail: h.Detail, Path: s.redact(p)})
		}
		for _, h := range heuristic.ScanCredentialFile(p, cred) {
			add(Finding{Rule: h.Rule, Detail: s.redact(h.Detail), Line: h.Line, Path: s.redact(p)})
		}
	}
	return nil
}

// drain reads r to its end through buf (io.Copy to io.Discard would use
// io.Discard's small buffer).
func drain(r io.Reader, buf []byte) error {
	for {
		_, err := r.Read(buf)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
