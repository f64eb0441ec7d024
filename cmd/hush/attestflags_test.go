package main

import "testing"

func TestAttestationFlags(t *testing.T) {
	tests := []struct {
		prov, sbom string
		want       string // Provenance, or "error"
		wantSBOM   bool
	}{
		{"", "", "", false},
		{"true", "", "min", false},
		{"false", "false", "off", false},
		{"mode=max", "", "max", false},
		{"mode=min,version=v1", "true", "min", true},
		{"max", "generator=docker/buildkit-syft-scanner", "max", true},
		{"mode=all", "", "error", false},
		{"yes", "", "error", false},
		{"", "maybe", "error", false},
	}
	for _, tt := range tests {
		d := &dockerFlags{provenance: tt.prov, sbom: tt.sbom}
		a, err := d.attestations()
		if tt.want == "error" {
			if err == nil {
				t.Errorf("--provenance %q --sbom %q: accepted", tt.prov, tt.sbom)
			}
			continue
		}
		if err != nil || a.Provenance != tt.want || a.SBOM != tt.wantSBOM || a.Version != version {
			t.Errorf("--provenance %q --sbom %q: %+v %v", tt.prov, tt.sbom, a, err)
		}
	}
}
