package corpus

import (
	"archive/tar"
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hushbuild/hush/audit"
)

// layerOf packs a file, or a directory's tree, as a layer tar under /srv/
// NAME, the way a COPY or RUN step commits it.
func layerOf(src, name string) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		hdr, err := tar.FileInfoHeader(info, "")
		if err != nil {
			return err
		}
		hdr.Name = filepath.ToSlash(filepath.Join("srv", name, rel))
		hdr.Uname, hdr.Gname, hdr.Uid, hdr.Gid = "root", "root", 0, 0
		if d.IsDir() {
			hdr.Name += "/"
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		_, err = tw.Write(b)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// verdict is what the guard does with a layer: refused (a finding, or a
// scan it could not finish: the guard refuses both) or tagged.
type verdict struct {
	refused    bool
	incomplete bool // refused because the scan could not finish
}

// scan reads one layer through the guard's engine.
func scan(eng *audit.Engine, layer []byte) verdict {
	ls, err := eng.Layer(context.Background(), bytes.NewReader(layer))
	if err != nil {
		return verdict{refused: true, incomplete: true}
	}
	return verdict{refused: ls.Hits() > 0}
}
