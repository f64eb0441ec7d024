package ociconv

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestEditFor(t *testing.T) {
	for _, tc := range []struct {
		name, dockerfile, target string
		want                     Edit
	}{
		{"trailing slash", "FROM scratch\nWORKDIR /tmp/\n", "", Edit{WorkingDir: "/tmp/"}},
		{"no slash", "FROM scratch\nWORKDIR /tmp\n", "", Edit{}},
		{"root", "FROM scratch\nWORKDIR /\n", "", Edit{}},
		{"relative", "FROM scratch\nWORKDIR /a/\nWORKDIR b/\n", "", Edit{}},
		{"variable", "FROM scratch\nARG D=/x\nWORKDIR $D/\n", "", Edit{}},
		{"last one counts", "FROM scratch\nWORKDIR /a/\nWORKDIR /b\n", "", Edit{}},
		{"cmd", "FROM scratch\nCMD [\"x\"]\n", "", Edit{ArgsEscaped: true}},
		{"shell cmd", "FROM scratch\nCMD x\nENTRYPOINT [\"y\"]\n", "", Edit{ArgsEscaped: true}},
		{"entrypoint only", "FROM scratch\nENTRYPOINT [\"y\"]\n", "", Edit{}},
		{"from a stage", "FROM scratch AS base\nWORKDIR /w/\nCMD x\nFROM base\nRUN true\n", "", Edit{WorkingDir: "/w/", ArgsEscaped: true}},
		{"other stage", "FROM scratch AS base\nWORKDIR /w/\nCMD x\nFROM scratch\nRUN true\n", "", Edit{}},
		{"target", "FROM scratch AS a\nWORKDIR /a/\nFROM scratch AS b\nWORKDIR /b/\n", "a", Edit{WorkingDir: "/a/"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := EditFor(strings.NewReader(tc.dockerfile), tc.target); got != tc.want {
				t.Errorf("EditFor = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestEditConfig(t *testing.T) {
	in := []byte(`{"architecture":"amd64","config":{"Cmd":["x"],"WorkingDir":"/tmp"},"os":"linux"}`)
	out, err := editConfig(in, Edit{WorkingDir: "/tmp/", ArgsEscaped: true})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Architecture string
		Config       struct {
			Cmd         []string
			WorkingDir  string
			ArgsEscaped bool
		}
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if got.Config.WorkingDir != "/tmp/" || !got.Config.ArgsEscaped || got.Architecture != "amd64" || len(got.Config.Cmd) != 1 {
		t.Errorf("edited config %s: want WorkingDir /tmp/, ArgsEscaped and the rest kept", out)
	}
	// A WorkingDir that is not the WORKDIR trimmed (an ONBUILD trigger
	// or a variable moved it) is left alone.
	out, err = editConfig(in, Edit{WorkingDir: "/other/"})
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != string(in) {
		t.Errorf("config changed to %s, want it as it was", out)
	}
}
