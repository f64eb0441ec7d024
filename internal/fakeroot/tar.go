package fakeroot

import (
	"archive/tar"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// Pending are a tar stream's owners and devices, to record once the stream
// was written out (Incoming).
type Pending struct {
	o       *Owners
	entries []pendingEntry
}

type pendingEntry struct {
	name     string // clean, "/"-prefixed
	uid, gid int
	kind     uint32
	rdev     uint64
}

// Incoming rewrites a tar stream about to be written by hush's uid (a
// base layer, a COPY): owners become hush's own (which it may set), device
// nodes empty regular files (which it may make); Pending keeps what the
// headers said. Call Record after the stream was written.
func (o *Owners) Incoming(r io.Reader) (io.ReadCloser, *Pending) {
	pend := &Pending{o: o}
	pr, pw := io.Pipe()
	uid, gid := int(o.uid), os.Getegid()
	go func() {
		tr, tw := tar.NewReader(r), tar.NewWriter(pw)
		err := func() error {
			for {
				hdr, err := tr.Next()
				if errors.Is(err, io.EOF) {
					return tw.Close()
				}
				if err != nil {
					return err
				}
				base := filepath.Base(hdr.Name)
				if hdr.Typeflag != tar.TypeLink && !strings.HasPrefix(base, ".wh.") {
					e := pendingEntry{name: filepath.Clean("/" + hdr.Name), uid: hdr.Uid, gid: hdr.Gid}
					switch hdr.Typeflag {
					case tar.TypeChar, tar.TypeBlock:
						e.kind = unix.S_IFCHR
						if hdr.Typeflag == tar.TypeBlock {
							e.kind = unix.S_IFBLK
						}
						e.rdev = unix.Mkdev(uint32(hdr.Devmajor), uint32(hdr.Devminor))
						hdr.Typeflag, hdr.Size, hdr.Devmajor, hdr.Devminor = tar.TypeReg, 0, 0, 0
					}
					pend.entries = append(pend.entries, e)
				}
				hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = uid, gid, "", ""
				hdr.Format = tar.FormatUnknown // OpenShift's uids do not fit USTAR
				if err := tw.WriteHeader(hdr); err != nil {
					return err
				}
				if hdr.Typeflag == tar.TypeReg || hdr.Typeflag == tar.TypeRegA { //nolint:staticcheck // old archives
					if _, err := io.Copy(tw, tr); err != nil {
						return err
					}
				}
			}
		}()
		pw.CloseWithError(err)
	}()
	return pr, pend
}

// Record records, for each entry the stream held, the owner (and device)
// its header gave the file now at root/name, rename applied (copier's
// Rename: an entry's first path components).
func (p *Pending) Record(root string, rename map[string]string) error {
	for _, e := range p.entries {
		name := e.name
		for from, to := range rename {
			f := "/" + strings.TrimPrefix(from, "/")
			if name == f || strings.HasPrefix(name, f+"/") {
				name = "/" + strings.TrimPrefix(to, "/") + strings.TrimPrefix(name, f)
				break
			}
		}
		st, err := statx(filepath.Join(root, name), false)
		if err != nil {
			continue // ignored by the extraction, or replaced later in the stream
		}
		if st.Uid != p.o.uid {
			continue
		}
		p.o.set(&st, e.uid, e.gid, e.kind, e.rdev)
	}
	return nil
}

// Outgoing rewrites a layer exported from root (archive.ExportChanges):
// each file gets the owner it has in the build, recorded device nodes
// become devices again.
func (o *Owners) Outgoing(root string, r io.ReadCloser) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		defer r.Close()
		tr, tw := tar.NewReader(r), tar.NewWriter(pw)
		err := func() error {
			for {
				hdr, err := tr.Next()
				if errors.Is(err, io.EOF) {
					return tw.Close()
				}
				if err != nil {
					return err
				}
				skip := false
				if !strings.HasPrefix(filepath.Base(hdr.Name), ".wh.") {
					p := filepath.Join(root, filepath.Clean("/"+hdr.Name))
					if st, err := statx(p, false); err == nil {
						u, g := o.Owner(&st)
						hdr.Uid, hdr.Gid = int(u), int(g)
						if kind, rdev, ok := o.deviceOf(&st); ok && hdr.Typeflag == tar.TypeReg {
							hdr.Typeflag = tar.TypeChar
							if kind == unix.S_IFBLK {
								hdr.Typeflag = tar.TypeBlock
							}
							hdr.Devmajor, hdr.Devminor = int64(unix.Major(rdev)), int64(unix.Minor(rdev))
							hdr.Size, skip = 0, true
						}
					}
					hdr.Uname, hdr.Gname = "", ""
					if hdr.Uid > 0o7777777 || hdr.Gid > 0o7777777 {
						hdr.Format = tar.FormatUnknown
					}
				}
				if err := tw.WriteHeader(hdr); err != nil {
					return err
				}
				if !skip {
					if _, err := io.Copy(tw, tr); err != nil {
						return err
					}
				}
			}
		}()
		pw.CloseWithError(err)
	}()
	return pr
}
