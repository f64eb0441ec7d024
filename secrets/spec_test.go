package secrets

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseSpec(t *testing.T) {
	t.Setenv("HUSH_SPEC_TEST_ENV", "x")
	tests := []struct {
		in   string
		want Spec
	}{
		{"id=pip,src=pip.conf", Spec{ID: "pip", Src: "pip.conf", Mode: 0o400}},
		{"id=tok,env=TOKEN", Spec{ID: "tok", Env: "TOKEN", Mode: 0o400}},
		{"id=tok,type=env,src=TOKEN", Spec{ID: "tok", Env: "TOKEN", Mode: 0o400}},
		{"id=TOKEN,type=env", Spec{ID: "TOKEN", Env: "TOKEN", Mode: 0o400}},
		{"id=f,type=file", Spec{ID: "f", Src: "f", Mode: 0o400}},
		{"id=HUSH_SPEC_TEST_ENV", Spec{ID: "HUSH_SPEC_TEST_ENV", Env: "HUSH_SPEC_TEST_ENV", Mode: 0o400}},
		{"id=nofile", Spec{ID: "nofile", Src: "nofile", Mode: 0o400}},
		{"id=pip,src=p,target=/root/.pip/pip.conf,mode=0600,uid=1000,gid=100",
			Spec{ID: "pip", Src: "p", Target: "/root/.pip/pip.conf", Mode: 0o600, UID: 1000, GID: 100}},
		{"id=a,source=s,dst=/x/../y", Spec{ID: "a", Src: "s", Target: "/y", Mode: 0o400}},
		{"id=pw,env=PW,arg=THEPASSWORD", Spec{ID: "pw", Env: "PW", Arg: "THEPASSWORD", Mode: 0o400}},
		{"id=npm,src=n,rotate=true", Spec{ID: "npm", Src: "n", Mode: 0o400, Rotate: true}},
		{"id=x,cmd=sops -d secrets.yaml", Spec{ID: "x", Cmd: "sops -d secrets.yaml", Mode: 0o400}},
		// CSV, as BuildKit parses --secret: a field with a comma is quoted whole.
		{`id=x,"cmd=sops -d a,b.yaml",target=/t`, Spec{ID: "x", Cmd: "sops -d a,b.yaml", Target: "/t", Mode: 0o400}},
		{`"id=x","cmd=printf ""%s"" a,b"`, Spec{ID: "x", Cmd: `printf "%s" a,b`, Mode: 0o400}},
		// A quote inside an unquoted field is kept as written.
		{`id=x,cmd=jq -r ".token" creds.json`, Spec{ID: "x", Cmd: `jq -r ".token" creds.json`, Mode: 0o400}},
		{`id=x,cmd=sops -d --extract '["npm"]' s.yaml`, Spec{ID: "x", Cmd: `sops -d --extract '["npm"]' s.yaml`, Mode: 0o400}},
		{"id=big.pem,src=b,max-size=4MiB", Spec{ID: "big.pem", Src: "b", Mode: 0o400, MaxSize: 4 << 20}},
		{"id=b-1,src=b,max-size=2048", Spec{ID: "b-1", Src: "b", Mode: 0o400, MaxSize: 2048}},
		{"id=_b,src=b,max-size=3k", Spec{ID: "_b", Src: "b", Mode: 0o400, MaxSize: 3 << 10}},
		{"id=f,src=/dev/stdin,nonregular=true", Spec{ID: "f", Src: "/dev/stdin", Mode: 0o400, NonRegular: true}},
		{"id=pin,src=p,allow-short=true", Spec{ID: "pin", Src: "p", Mode: 0o400, AllowShort: true}},
	}
	for _, tt := range tests {
		got, err := ParseSpec(tt.in)
		if err != nil {
			t.Errorf("ParseSpec(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseSpec(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestParseSpecErrors(t *testing.T) {
	tests := []struct{ in, wantMsg string }{
		{"", "empty"},
		{"src=x", "id is required"},
		{"id=a,bogus=1", `unknown key "bogus"`},
		{"id=a,hunter2-value", "field 2 is not key=value"},
		{"id=a,type=socket", "type must be file or env"},
		{"id=a,src=x,env=Y", "both src and env"},
		{"id=a,target=relative/path", "absolute"},
		{"id=a,mode=999", "octal"},
		{"id=a,rotate=often", "rotate must be true or false"},
		{"id=a,uid=-1", "uid"},
		{"id=a/b", "id must be"},
		{"id=a,b", "field 2 is not key=value"},
		{`"id=a,b"`, "id must be"},
		{"id=a=b", "id must be"},
		{"id=..", "id must be"},
		{"id=-x", "id must be"},
		{"id=a\tb", "id must be"},
		{"id=" + strings.Repeat("a", 129), "id must be"},
		{"id=a,max-size=0", "max-size"},
		{"id=a,max-size=1T", "max-size"},
		{"id=a,max-size=-5", "max-size"},
		{"id=a,nonregular=maybe", "nonregular must be"},
		{"id=a,allow-short=1x", "allow-short must be"},
		{"id=a,arg=not-a-name", "arg must be"},
		{"id=a,cmd=", "cmd must not be empty"},
		{"id=a,cmd=x,src=y", "cmd and another source"},
		{"id=a,cmd=x,env=Y", "cmd and another source"},
		{"id=a,type=env,cmd=x", "cmd and another source"},
		{"id=a,src=x\nid=b", "more than one line"},
	}
	for _, tt := range tests {
		_, err := ParseSpec(tt.in)
		if err == nil || !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), tt.wantMsg) {
			t.Errorf("ParseSpec(%q) error = %v, want ErrSpec containing %q", tt.in, err, tt.wantMsg)
		}
	}
}

func TestLoadNeverShowsValue(t *testing.T) {
	const canary = "hushcanary-load-5f1e0c"
	dir := t.TempDir()
	p := filepath.Join(dir, "s")
	if err := os.WriteFile(p, []byte(canary), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Spec{ID: "a", Src: p}.Load()
	if err != nil {
		t.Fatal(err)
	}
	if string(s.Value()) != canary {
		t.Fatalf("Value() = %d bytes, want the file's %d", len(s.Value()), len(canary))
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		if out := sprintf(verb, s); strings.Contains(out, canary) || strings.Contains(out, "6875736863616e617279") {
			t.Errorf("%s of Secret shows the value: %s", verb, out)
		}
	}
	if _, err := (Spec{ID: "missing", Src: filepath.Join(dir, "nope")}).Load(); err == nil || !strings.Contains(err.Error(), `secret "missing"`) {
		t.Errorf("Load of a missing file: %v, want an error naming the id", err)
	}
	if _, err := (Spec{ID: "e", Env: "HUSH_UNSET_VAR_FOR_TEST"}).Load(); err == nil || !strings.Contains(err.Error(), "HUSH_UNSET_VAR_FOR_TEST") {
		t.Errorf("Load of an unset env: %v, want an error naming the variable", err)
	}
}
