package builder

import "testing"

func TestQualify(t *testing.T) {
	tests := []struct{ in, want string }{
		{"app", "localhost/app:latest"},
		{"app:1", "localhost/app:1"},
		{"team/app", "localhost/team/app:latest"},
		{"localhost/app", "localhost/app:latest"},
		{"127.0.0.1:5000/hush/x:1", "127.0.0.1:5000/hush/x:1"},
		{"quay.io/org/app:v2", "quay.io/org/app:v2"},
	}
	for _, tt := range tests {
		got, err := qualify(tt.in)
		if err != nil {
			t.Errorf("qualify(%q): %v", tt.in, err)
			continue
		}
		if got.String() != tt.want {
			t.Errorf("qualify(%q) = %q, want %q", tt.in, got.String(), tt.want)
		}
	}
	for _, bad := range []string{"UPPER", "a b", "app@sha256:" + "0000000000000000000000000000000000000000000000000000000000000000", ""} {
		if _, err := qualify(bad); err == nil {
			t.Errorf("qualify(%q) succeeded, want an error", bad)
		}
	}
}

func TestCheckOutputs(t *testing.T) {
	if _, err := checkOutputs([]Output{{Type: OutputOCI}}, nil); err == nil {
		t.Error("oci without dest accepted")
	}
	if _, err := checkOutputs([]Output{{Type: OutputDocker, Dest: "/nonexistent-dir/x.tar"}}, nil); err == nil {
		t.Error("docker dest in a missing directory accepted")
	}
	if _, err := checkOutputs([]Output{{Type: OutputRegistry}}, nil); err == nil {
		t.Error("registry without tags accepted")
	}
	outs, err := checkOutputs([]Output{{Type: OutputOCI, Dest: "rel"}}, nil)
	if err != nil || outs[0].Dest[0] != '/' {
		t.Errorf("checkOutputs made %v, %v; want an absolute dest", outs, err)
	}
}
