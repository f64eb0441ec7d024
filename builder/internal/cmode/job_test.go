package cmode

import (
	"fmt"
	"testing"

	"github.com/hushbuild/hush/secrets"
)

// TestMountsOfMatchesRunMountStrings: the typed mounts container isolation
// gives every step are what it read back from the mount strings buildah
// takes (builder/delivery.go formats them so) before they were typed.
func TestMountsOfMatchesRunMountStrings(t *testing.T) {
	t.Parallel()
	specs := []secrets.Spec{
		{ID: "a", Arg: "TOKEN", Mode: 0o400},
		{ID: "b", Target: "/root/.npmrc", Mode: 0o600, UID: 1000, GID: 100},
		{ID: "c", Target: "rel/path", Mode: 0o400},
		{ID: "d", Target: "/etc/x", Arg: "X", Mode: 0o440},
	}
	var want []secretMount
	for _, sp := range specs {
		var strs []string
		if sp.Arg != "" {
			strs = append(strs, fmt.Sprintf("type=secret,id=%s,env=%s", sp.ID, sp.Arg))
		}
		if sp.Target != "" {
			strs = append(strs, fmt.Sprintf("type=secret,id=%s,target=%s,mode=%o,uid=%d,gid=%d", sp.ID, sp.Target, sp.Mode, sp.UID, sp.GID))
		}
		for _, s := range strs {
			m, err := parseRunMount(s)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, m)
		}
	}
	got := mountsOf(specs)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("mountsOf = %+v\nparsed strings = %+v", got, want)
	}
}
