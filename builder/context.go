package builder

import (
	"fmt"
	"io"
	"os"

	"go.podman.io/storage/pkg/archive"
)

// unpackContext unpacks a context archive (docker build's `-` with a tar on
// stdin) into a private directory removed when the build ends. Ownership is
// not restored: the files belong to the user running hush, as a context
// directory of theirs would, and an unprivileged user could not chown
// anyway. storage's Unpack refuses entries that leave the directory.
func (p *plan) unpackContext(r io.Reader) (string, error) {
	d, err := os.MkdirTemp("", "hush-context-")
	if err != nil {
		return "", fmt.Errorf("creating the context directory: %w", err)
	}
	p.undo = append(p.undo, func() { os.RemoveAll(d) })
	if err := archive.Untar(r, d, &archive.TarOptions{NoLchown: true}); err != nil {
		return "", badOption("ContextArchive", fmt.Errorf("unpacking the context archive: %w", err))
	}
	return d, nil
}
