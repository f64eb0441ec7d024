package storestate

import "testing"

func TestQualify(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"app", "localhost/app:latest"},
		{"app:1", "localhost/app:1"},
		{"team/app", "localhost/team/app:latest"},
		{"localhost/app", "localhost/app:latest"},
		{"127.0.0.1:5000/hush/x:1", "127.0.0.1:5000/hush/x:1"},
		{"quay.io/org/app:v2", "quay.io/org/app:v2"},
	}
	for _, tt := range tests {
		got, err := Qualify(tt.in)
		if err != nil {
			t.Errorf("Qualify(%q): %v", tt.in, err)
			continue
		}
		if got.String() != tt.want {
			t.Errorf("Qualify(%q) = %q, want %q", tt.in, got.String(), tt.want)
		}
	}
	for _, bad := range []string{"UPPER", "a b", "app@sha256:" + "0000000000000000000000000000000000000000000000000000000000000000", ""} {
		if _, err := Qualify(bad); err == nil {
			t.Errorf("Qualify(%q) succeeded, want an error", bad)
		}
	}
}
