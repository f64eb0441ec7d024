package storestate

import (
	"strings"
	"testing"
)

// TestNamedBase: only a user's name makes an image a base whose layers the
// guard leaves unread; a stage cache entry's or buildah's temporary commit
// name does not.
func TestNamedBase(t *testing.T) {
	t.Parallel()
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
		if got := NamedBase(c.names); got != c.want {
			t.Errorf("NamedBase(%q) = %v, want %v", c.names, got, c.want)
		}
	}
}

func TestNamed(t *testing.T) {
	t.Parallel()
	tmp := strings.Repeat("ab", 32) + "-tmp"
	for _, tt := range []struct {
		names []string
		want  bool
	}{
		{nil, false},
		{[]string{"docker.io/library/" + tmp + ":latest"}, false},
		{[]string{"localhost/" + tmp + ":latest"}, false},
		{[]string{tmp}, false},
		{[]string{"docker.io/library/" + tmp + ":latest", "localhost/app:1"}, true},
		{[]string{"localhost/hush-build-cache:k"}, true},
		{[]string{"localhost/my-tmp:latest"}, true},
		{[]string{"docker.io/library/" + tmp + ":v2"}, true},
	} {
		if got := Named(tt.names); got != tt.want {
			t.Errorf("Named(%q) = %v, want %v", tt.names, got, tt.want)
		}
	}
}
