package layertar

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"hash"
	"hash/crc64"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/vbatts/tar-split/tar/storage"
	cstorage "go.podman.io/storage"
	drivers "go.podman.io/storage/drivers"
	"go.podman.io/storage/pkg/idtools"
	"golang.org/x/sys/unix"
)

// OpenStorage returns layer id of store as an uncompressed tar stream.
//
// store.Diff would rebuild the tar from the tar-split metadata storage kept
// when it unpacked the layer, opening each member's content by joining its
// raw name to the layer's directory with os.Open: a name like
// "/../../dev/zero" reads the host's /dev/zero without end, a FIFO's path
// blocks forever, a host file's bytes land in the stream, and a symlink
// the layer put in a member's path leads anywhere. So hush rebuilds it
// itself, from the same metadata: each member's name must pass BadName, its
// content is opened with openat2 beneath the layer's directory (no absolute
// or escaping symlinks, no magic links, O_NOFOLLOW, O_NONBLOCK), must be a
// regular file, and is read for exactly the size the tar header gives,
// checked against the checksum storage recorded, every read cancellable
// by ctx. A layer with no tar-split metadata is read through the storage
// driver's own diff, which walks the real files and never follows a name.
func OpenStorage(ctx context.Context, store cstorage.Store, id string) (io.ReadCloser, error) {
	l, err := store.Layer(id)
	if err != nil {
		return nil, err
	}
	driver, err := store.GraphDriver()
	if err != nil {
		return nil, err
	}
	ts, err := openTarSplit(store, l.ID)
	if errors.Is(err, os.ErrNotExist) {
		// storage keeps no metadata for it: the driver's diff reads the
		// files themselves (what store.Diff does then too).
		parent := &idtools.IDMappings{}
		if l.Parent != "" {
			p, err := store.Layer(l.Parent)
			if err != nil {
				return nil, err
			}
			parent = idtools.NewIDMappingsFromMaps(p.UIDMap, p.GIDMap)
		}
		return driver.Diff(l.ID, idtools.NewIDMappingsFromMaps(l.UIDMap, l.GIDMap), l.Parent, parent, l.MountLabel)
	}
	if err != nil {
		return nil, err
	}
	dirs, release, err := layerDirs(driver, store.GraphDriverName(), l.ID)
	if err != nil {
		ts.Close()
		return nil, err
	}
	zr, err := gzip.NewReader(ts)
	if err != nil {
		ts.Close()
		release()
		return nil, fmt.Errorf("reading tar-split metadata of layer %.12s: %w", l.ID, err)
	}
	a := &assembler{ctx: ctx, up: storage.NewJSONUnpacker(zr), crc: crc64.New(storage.CRCTable)}
	for _, d := range dirs {
		fd, err := unix.Open(d, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			a.closeDirs()
			ts.Close()
			release()
			return nil, fmt.Errorf("opening layer %.12s: %w", l.ID, err)
		}
		a.dirs = append(a.dirs, fd)
	}
	a.close = func() error {
		a.closeFile()
		a.closeDirs()
		release()
		return ts.Close()
	}
	return a, nil
}

// openTarSplit opens the tar-split metadata of layer id where storage's
// layer stores keep it: the graph root's, then the image store's.
func openTarSplit(store cstorage.Store, id string) (*os.File, error) {
	var err error
	for _, root := range []string{store.GraphRoot(), store.ImageStore()} {
		if root == "" {
			continue
		}
		var f *os.File
		f, err = os.Open(filepath.Join(root, store.GraphDriverName()+"-layers", id+".tar-split.gz"))
		if err == nil || !errors.Is(err, os.ErrNotExist) {
			return f, err
		}
	}
	return nil, err
}

// layerDirs returns the directories a layer's member content is found in,
// searched in order as storage's own getter does: overlay's diff directory
// and then its lower layers' (a layer made from a template keeps content
// there); vfs's one directory. Other drivers are refused rather than read
// through a getter that follows names.
func layerDirs(driver drivers.Driver, name, id string) ([]string, func(), error) {
	md, err := driver.Metadata(id)
	if err != nil {
		return nil, nil, err
	}
	if up := md["UpperDir"]; up != "" {
		dirs := []string{up}
		if low := md["LowerDir"]; low != "" {
			dirs = append(dirs, strings.Split(low, ":")...)
		}
		return dirs, func() {}, nil
	}
	if name == "vfs" {
		// vfs's Get mounts nothing: it returns the layer's directory.
		dir, err := driver.Get(id, drivers.MountOpts{Options: []string{"ro"}})
		if err != nil {
			return nil, nil, err
		}
		return []string{dir}, func() { _ = driver.Put(id) }, nil
	}
	return nil, nil, fmt.Errorf("reading layer %.12s: storage driver %s is not supported by the layer reader", id, name)
}

// assembler is the layer's tar, rebuilt from tar-split metadata: the raw
// header bytes storage kept, and each member's content read from the
// layer's directories.
type assembler struct {
	ctx   context.Context
	up    storage.Unpacker
	dirs  []int // directory fds, searched in order
	close func() error

	cur  io.Reader // what is left of the current segment or member
	file *os.File  // the current member's file
	name string    // the current member's name
	left int64     // bytes of it still to read
	crc  hash.Hash64
	want []byte // its checksum as storage recorded it
	sum  []byte
}

func (a *assembler) Read(p []byte) (int, error) {
	for {
		if err := a.ctx.Err(); err != nil {
			return 0, err
		}
		if a.cur != nil {
			n, err := a.cur.Read(p)
			if a.file != nil {
				a.left -= int64(n)
				a.crc.Write(p[:n])
			}
			if n > 0 {
				return n, nil
			}
			if err == io.EOF {
				if err := a.endMember(); err != nil {
					return 0, err
				}
				a.cur = nil
				continue
			}
			if err != nil {
				return 0, err
			}
			continue
		}
		e, err := a.up.Next()
		if err != nil {
			return 0, err // io.EOF at the end
		}
		switch e.Type {
		case storage.SegmentType:
			a.cur = bytes.NewReader(e.Payload)
		case storage.FileType:
			if e.Size == 0 {
				continue
			}
			if err := a.openMember(e); err != nil {
				return 0, err
			}
		}
	}
}

// openMember opens a member's content beneath the layer's directories.
func (a *assembler) openMember(e *storage.Entry) error {
	name := e.GetName()
	if why := BadName(name); why != "" {
		return Refused(name, why)
	}
	rel := strings.TrimLeft(filepath.Clean(name), "/")
	how := &unix.OpenHow{
		Flags:   unix.O_RDONLY | unix.O_CLOEXEC | unix.O_NOFOLLOW | unix.O_NONBLOCK,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS,
	}
	fd := -1
	var err error
	for _, d := range a.dirs {
		fd, err = unix.Openat2(d, rel, how)
		if !errors.Is(err, unix.ENOENT) {
			break
		}
	}
	if err != nil {
		return Refused(name, fmt.Sprintf("cannot be opened beneath the layer (%v)", err))
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		unix.Close(fd)
		return Refused(name, "is not a regular file in the layer's directory")
	}
	a.file = os.NewFile(uintptr(fd), rel)
	a.name, a.left, a.want = name, e.Size, e.Payload
	a.crc.Reset()
	a.cur = io.LimitReader(a.file, e.Size)
	return nil
}

// endMember checks that a member's content was whole and unchanged.
func (a *assembler) endMember() error {
	if a.file == nil {
		return nil
	}
	defer a.closeFile()
	if a.left != 0 {
		return Refused(a.name, "is shorter in the layer's directory than its header says")
	}
	a.sum = a.crc.Sum(a.sum[:0])
	if !bytes.Equal(a.sum, a.want) {
		return Refused(a.name, "does not match the checksum storage recorded")
	}
	return nil
}

func (a *assembler) closeFile() {
	if a.file != nil {
		a.file.Close()
		a.file = nil
	}
}

func (a *assembler) closeDirs() {
	for _, fd := range a.dirs {
		unix.Close(fd)
	}
	a.dirs = nil
}

func (a *assembler) Close() error { return a.close() }
