package layertar

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/hushbuild/hush/secrets/archive"
)

// Limits bound the read of one layer. The zero value of a field means its
// default.
type Limits struct {
	// Holes is how many bytes of member content may come from nowhere
	// in the stream: the holes of sparse members, which a tar reader
	// hands out as zeros. A 1 TiB sparse member in a layer of a few
	// bytes would otherwise keep a scan busy for minutes, or hours.
	// Default: DefaultHoles.
	Holes int64
	// Time is the wall time one layer's read may take. Default:
	// DefaultTime.
	Time time.Duration
}

const (
	// DefaultHoles: no image tool writes sparse members (Go's archive/tar,
	// which docker, buildah and BuildKit use, cannot), so any real layer
	// stays far below it.
	DefaultHoles = 1 << 30
	// DefaultTime: a 10 GB layer read at 20 MB/s.
	DefaultTime = 10 * time.Minute
)

func (l Limits) orDefaults() Limits {
	if l.Holes <= 0 {
		l.Holes = DefaultHoles
	}
	if l.Time <= 0 {
		l.Time = DefaultTime
	}
	return l
}

// Meter charges one layer's read to its Limits and to ctx: every read of
// the layer stream (Source) and of a member's content (Member) first checks
// that ctx is live and the time is not up, and a member's reads fail once
// the bytes it handed out exceed what the stream held by more than the
// holes budget. Not safe for concurrent use.
type Meter struct {
	ctx       context.Context
	lim       Limits
	deadline  time.Time
	raw, seen int64 // bytes read from the stream; bytes of member content handed out
}

// NewMeter starts a layer's clock.
func NewMeter(ctx context.Context, lim Limits) *Meter {
	lim = lim.orDefaults()
	return &Meter{ctx: ctx, lim: lim, deadline: time.Now().Add(lim.Time)}
}

func (m *Meter) check(shown string) error {
	if err := m.ctx.Err(); err != nil {
		return err
	}
	if time.Now().After(m.deadline) {
		if shown == "" {
			return fmt.Errorf("%w: reading the layer took longer than %s", archive.ErrIncomplete, m.lim.Time)
		}
		return Refused(shown, fmt.Sprintf("was still being read after %s", m.lim.Time))
	}
	return nil
}

// Source is the layer's (uncompressed) tar stream, metered.
func (m *Meter) Source(r io.Reader) io.Reader { return &source{m: m, r: r} }

// Member is the content of one member, shown as shown in errors, metered.
func (m *Meter) Member(r io.Reader, shown string) io.Reader {
	return &member{m: m, r: r, shown: shown}
}

type source struct {
	m *Meter
	r io.Reader
}

func (s *source) Read(p []byte) (int, error) {
	if err := s.m.check(""); err != nil {
		return 0, err
	}
	n, err := s.r.Read(p)
	s.m.raw += int64(n)
	return n, err
}

type member struct {
	m     *Meter
	r     io.Reader
	shown string
}

func (r *member) Read(p []byte) (int, error) {
	if err := r.m.check(r.shown); err != nil {
		return 0, err
	}
	// Never hand out more than the budget allows in one read: a read
	// of zeros may be as long as p.
	room := r.m.raw + r.m.lim.Holes - r.m.seen
	if room <= 0 {
		return 0, Refused(r.shown, fmt.Sprintf("holds more than %d bytes of sparse holes", r.m.lim.Holes))
	}
	if int64(len(p)) > room {
		p = p[:room]
	}
	n, err := r.r.Read(p)
	r.m.seen += int64(n)
	return n, err
}
