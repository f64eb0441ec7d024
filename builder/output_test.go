package builder

import "testing"

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
