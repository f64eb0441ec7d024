package builder

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hushbuild/hush/builder/internal/leftover"
	"github.com/hushbuild/hush/builder/internal/rundir"
	"github.com/hushbuild/hush/builder/internal/unpack"
)

// unpackContext unpacks a context archive (docker build's `-` with a tar on
// stdin) into a private directory removed when the build ends, through
// the one unpacker for untrusted archives (builder/internal/unpack):
// nothing lands outside it, no member is written through a link, device
// nodes and FIFOs are skipped. Ownership is not restored: the files belong
// to the user running hush, as a context directory of theirs would. The
// directory may hold credential files, so it is recorded in the build's
// directory before it exists, and a kill leaves it to the next sweep.
func (p *plan) unpackContext(ctx context.Context, r io.Reader) (string, error) {
	// The build's directory now, to record the context in; where there is
	// no tmpfs the build goes on without (makeBuildDir).
	if err := p.makeBuildDir(false); err != nil {
		return "", err
	}
	dest := filepath.Join(os.TempDir(), "hush-context-"+p.nonce+rundir.Nonce())
	if err := p.recordTemp(dest); err != nil {
		return "", err
	}
	p.undo = append(p.undo, func() { os.RemoveAll(dest) })
	st, err := unpack.Unpack(ctx, r, dest, unpack.Options{Made: p.recordTemp})
	if err != nil {
		return "", badOption("ContextArchive", fmt.Errorf("unpacking the context archive: %w", err))
	}
	if st.Skipped > 0 {
		fmt.Fprintf(p.stderr, "warning: context archive: %d device nodes, FIFOs or unknown members skipped\n", st.Skipped)
	}
	return dest, nil
}

// recordTemp lists path, which the build is about to create outside its
// tmpfs directory, for the sweep after a kill (builder/internal/leftover).
func (p *plan) recordTemp(path string) error {
	if p.buildDir == "" {
		return nil
	}
	return leftover.Record(p.buildDir, path)
}

// checkArchiveFiles: the files of an unpacked context archive that hush
// and buildah read by path (the Dockerfile, the ignore files) are regular
// files in it, not symlinks that would read the host's.
func checkArchiveFiles(dir, dockerfile string) error {
	if err := unpack.Regular(dir, dockerfile); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			err = errors.New("not found")
		}
		return badOption("Dockerfile", fmt.Errorf("%s in the context archive: %w", dockerfile, err))
	}
	for _, name := range []string{".dockerignore", ".containerignore", dockerfile + ".dockerignore", dockerfile + ".containerignore"} {
		if err := unpack.Regular(dir, name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return badOption("ContextArchive", fmt.Errorf("%s in the context archive: %w", name, err))
		}
	}
	return nil
}
