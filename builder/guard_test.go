package builder

import "testing"

// TestNamedBase: only a user's name makes an image a base whose layers the
// guard leaves unread; a stage cache entry's or buildah's temporary commit
// name does not.
func TestNamedBase(t *testing.T) {
	tmp := "docker.io/library/" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" + "-tmp:latest"
	for _, c := range []struct {
		names []string
		want  bool
	}{
		{nil, false},
		{[]string{"localhost/busybox:latest"}, true},
		{[]string{"localhost/hush-build-cache:abc"}, false},
		{[]string{tmp}, false},
		{[]string{tmp, "localhost/hush-build-cache:abc"}, false},
		{[]string{tmp, "registry.example/app:1"}, true},
	} {
		if got := namedBase(c.names); got != c.want {
			t.Errorf("namedBase(%q) = %v, want %v", c.names, got, c.want)
		}
	}
}
