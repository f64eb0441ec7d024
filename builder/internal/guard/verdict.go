package guard

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/hushbuild/hush/builder/internal/rundir"
	"go.podman.io/storage"

	"github.com/hushbuild/hush/secrets"
)

// A --layers rebuild finds most of its layers in the cache, and the guard
// would read and scan each again though it scanned the same bytes for the
// same secrets on the last build. Verdicts remembers the clean outcomes so
// that it need not.
//
// A verdict says: this hush binary scanned the layer whose uncompressed
// content has this digest, for exactly this set of secrets (ids and
// values), and found nothing. Only clean verdicts are kept. Each is an
// empty file named by HMAC-SHA256 under a random per-user key, so the names
// tell nothing about any value without the key; key and verdicts live in
// the user's tmpfs (0700, gone at reboot), never on persistent disk. A
// changed value, an added or removed secret, another hush binary or a layer
// never scanned gives a name with no file: the layer is scanned.
type Verdicts struct {
	dir string
	key []byte
	fp  []byte // the keyed fingerprint of the set and the binary; memory only
}

const verdictKeyFile = "key"

// verdictDir is beside the build directories, not among them: the sweep
// removes every entry of tmpfsBase that is not a live build.
func verdictDir() (string, error) {
	base, err := rundir.TmpfsBase()
	if err != nil {
		return "", err
	}
	return base + ".verdicts", nil
}

// OpenVerdicts returns the store for secs; nil (every layer is scanned)
// when there is no private tmpfs directory or no secret.
func OpenVerdicts(secs []secrets.Secret) *Verdicts {
	if len(secs) == 0 {
		return nil
	}
	dir, err := verdictDir()
	if err != nil || rundir.EnsurePrivateDir(dir) != nil {
		return nil
	}
	key, err := verdictKey(dir)
	if err != nil {
		return nil
	}
	m := hmac.New(sha256.New, key)
	io.WriteString(m, "hush-verdict-v1\x00")
	io.WriteString(m, binaryIdentity())
	sorted := append([]secrets.Secret(nil), secs...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	for _, s := range sorted {
		// Length-prefixed, so no two different sets feed the same bytes.
		writeField(m, []byte(s.ID))
		writeField(m, s.Value())
	}
	return &Verdicts{dir: dir, key: key, fp: m.Sum(nil)}
}

func writeField(h hash.Hash, b []byte) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(b)))
	h.Write(n[:])
	h.Write(b)
}

// verdictKey reads the user's key, making it on first use. Two builds
// racing to make it agree: the loser of the link reads the winner's.
func verdictKey(dir string) ([]byte, error) {
	path := filepath.Join(dir, verdictKeyFile)
	if k, err := os.ReadFile(path); err == nil && len(k) == 32 {
		return k, nil
	}
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(dir, "key.tmp")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(k)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, err
	}
	if k, err := os.ReadFile(path); err == nil && len(k) == 32 {
		return k, nil
	}
	return nil, errors.New("verdict key unreadable")
}

// binaryIdentity names the running executable's file, so a hush that scans
// differently (an upgrade) does not trust an older one's verdicts.
func binaryIdentity() string {
	exe, err := os.Executable()
	if err != nil {
		return "unknown"
	}
	fi, err := os.Stat(exe)
	if err != nil {
		return exe
	}
	return exe + "\x00" + strconv.FormatInt(fi.Size(), 10) + "\x00" + strconv.FormatInt(fi.ModTime().UnixNano(), 10)
}

func (v *Verdicts) name(digest string) string {
	h := hmac.New(sha256.New, v.key)
	io.WriteString(h, "hush-verdict-layer-v1\x00")
	writeField(h, v.fp)
	writeField(h, []byte(digest))
	return hex.EncodeToString(h.Sum(nil))
}

// vetted reports whether the guard found the layer with this uncompressed
// digest clean for this set before.
func (v *Verdicts) vetted(digest string) bool {
	if v == nil || digest == "" {
		return false
	}
	_, err := os.Lstat(filepath.Join(v.dir, v.name(digest)))
	return err == nil
}

// vettedLayer is vetted for a storage layer.
func (v *Verdicts) vettedLayer(store storage.Store, layer string) bool {
	if v == nil {
		return false
	}
	l, err := store.Layer(layer)
	if err != nil {
		return false
	}
	return v.vetted(l.UncompressedDigest.String())
}

// record keeps a clean verdict; call it only after a complete scan that
// found nothing. A failure to record costs a scan next time, nothing more.
func (v *Verdicts) record(digest string) {
	if v == nil || digest == "" {
		return
	}
	_ = os.WriteFile(filepath.Join(v.dir, v.name(digest)), nil, 0o600)
}

// recordLayer is record for a storage layer.
func (v *Verdicts) recordLayer(store storage.Store, layer string) {
	if v == nil {
		return
	}
	if l, err := store.Layer(layer); err == nil {
		v.record(l.UncompressedDigest.String())
	}
}
