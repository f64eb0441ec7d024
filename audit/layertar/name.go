package layertar

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/hushbuild/hush/secrets/archive"
)

// BadName says why a member name is refused, or "" when it is not: it is
// absolute, or it climbs out of the layer ("../x", "a/../../x"). storage
// unpacks such a member somewhere inside the layer, but reading the layer
// back joins the raw name to the layer's directory: "/../../dev/zero" then
// opens the host's /dev/zero. No tool that writes layers (docker, buildah,
// BuildKit, kaniko) writes such names, so refusing them costs no real image.
func BadName(name string) string {
	if strings.HasPrefix(name, "/") {
		return "has an absolute name"
	}
	if c := path.Clean(name); c == ".." || strings.HasPrefix(c, "../") {
		return "climbs out of the layer"
	}
	return ""
}

// Refused is the error of a member the reader will not read: shown is its
// name as the caller may show it (redacted of every known value), why is
// BadName's answer or another reason. It wraps archive.ErrIncomplete.
func Refused(shown, why string) error {
	return fmt.Errorf("%w: member %s %s", archive.ErrIncomplete, quote(shown), why)
}

// quote shows a name on one line: a member name may hold a newline.
func quote(s string) string {
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}
