package tests

import (
	"path/filepath"
	"strconv"
	"testing"
)

// leakCase is one way a build can leak a secret into its image (or look
// as if it did). The Dockerfile is inline; files returns the rest of the
// context and the flags and environment hush gets, given the case's
// canary. wants empty: the image must build and be clean.
type leakCase struct {
	name       string
	canary     func(t *testing.T) *canary // default newCanary
	dockerfile string
	setup      func(t *testing.T, c *canary) (files map[string]string, flags, env []string)
	before     bool   // refused before any step runs
	wants      []want // the guard's findings
	check      func(t *testing.T, c *canary, r result, img *image)
}

// tokenEnv gives the canary as secret id (env= source).
func tokenEnv(id string) func(*testing.T, *canary) (map[string]string, []string, []string) {
	return func(_ *testing.T, c *canary) (map[string]string, []string, []string) {
		return nil, []string{"--secret", "id=" + id + ",env=HUSH_E2E_TOKEN"}, []string{"HUSH_E2E_TOKEN=" + c.value}
	}
}

// pipConf is the seed's pip.conf, its password the canary.
func pipConf(c *canary) string {
	return "[global]\nindex-url = https://hugo.prudente:" + c.value + "@private.pip/playlist\n" +
		"timeout = 60\nextra-index-url = https://pypi.python.org/simple\n"
}

func runLeakCases(t *testing.T, cases []leakCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCanary(t)
			if tc.canary != nil {
				c = tc.canary(t)
			}
			files, flags, env := tc.setup(t, c)
			all := map[string]string{"Dockerfile": tc.dockerfile}
			for k, v := range files {
				all[k] = v
			}
			r, tag, out := guardBuild(t, c, all, flags, env)
			if len(tc.wants) > 0 {
				assertRefused(t, r, tag, out, tc.before, tc.wants...)
				return
			}
			img := assertBuilt(t, r, c, tag, out)
			if tc.check != nil {
				tc.check(t, c, r, img)
			}
		})
	}
}

// TestGuardCorpus: the public ways secrets reach images, one case each.
func TestGuardCorpus(t *testing.T) {
	runLeakCases(t, []leakCase{{
		name: "npm token written to a project .npmrc",
		dockerfile: "FROM localhost/busybox\n" +
			`RUN --mount=type=secret,id=npmrc,target=/root/.npmrc sh -c 'mkdir -p /app && grep _authToken /root/.npmrc > /app/.npmrc'` + "\n",
		setup: func(t *testing.T, c *canary) (map[string]string, []string, []string) {
			npmrc := secretFile(t, "npmrc", "registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken="+c.value+"\nalways-auth=true\n")
			return nil, []string{"--secret", "id=npmrc,src=" + npmrc}, nil
		},
		wants: []want{{id: "npmrc", path: "/app/.npmrc", frag: "authtoken", enc: "raw"}},
	}, {
		name: "git clone URL with a token in .git/config",
		dockerfile: "FROM localhost/busybox\n" +
			`RUN --mount=type=secret,id=gitcreds sh -c 'tok=$(sed -E "s|^https://[^:]*:([^@]*)@.*|\1|" /run/secrets/gitcreds); mkdir -p /src/app/.git && printf "[remote \"origin\"]\n\turl = https://x-access-token:%s@github.com/acme/app.git\n" "$tok" > /src/app/.git/config'` + "\n",
		setup: func(t *testing.T, c *canary) (map[string]string, []string, []string) {
			creds := secretFile(t, "git-credentials", "https://ci-bot:"+c.value+"@github.com\n")
			return nil, []string{"--secret", "id=gitcreds,src=" + creds}, nil
		},
		wants: []want{{id: "gitcreds", path: "/src/app/.git/config", frag: "url-password", enc: "raw"}},
	}, {
		// base64("user:TOKEN"): the token starts at byte 3, 4 and 5, one
		// of each alignment modulo 3.
		name: "docker login auth in config.json at three alignments",
		dockerfile: "FROM localhost/busybox\n" +
			`RUN --mount=type=secret,id=registry,env=TOKEN sh -c 'for u in ci bot user; do mkdir -p /home/$u/.docker && printf "{\"auths\":{\"registry.example.com\":{\"auth\":\"%s\"}}}\n" "$(printf "%s:%s" "$u" "$TOKEN" | base64 | tr -d "\n")" > /home/$u/.docker/config.json; done'` + "\n",
		setup: tokenEnv("registry"),
		wants: []want{
			{id: "registry", path: "/home/ci/.docker/config.json", frag: "value", enc: "base64"},
			{id: "registry", path: "/home/bot/.docker/config.json", frag: "value", enc: "base64"},
			{id: "registry", path: "/home/user/.docker/config.json", frag: "value", enc: "base64"},
		},
	}, {
		name: "tarball of a home directory holding the secret",
		dockerfile: "FROM localhost/busybox\n" +
			`RUN --mount=type=secret,id=tok sh -c 'mkdir -p /home/dev/.config && cp /run/secrets/tok /home/dev/.config/token && tar -czf /home.tgz -C /home dev && rm -rf /home/dev'` + "\n",
		setup: tokenEnv("tok"),
		wants: []want{{id: "tok", path: "/home.tgz!dev/.config/token", frag: "value", enc: "raw"}},
	}, {
		name:       "ARG given the secret by --build-arg",
		dockerfile: "FROM localhost/busybox\nARG X\nRUN echo \"X is ${#X} bytes\"\n",
		setup: func(t *testing.T, c *canary) (map[string]string, []string, []string) {
			_, flags, env := tokenEnv("tok")(t, c)
			return nil, append(flags, "--build-arg", "X="+c.value), env
		},
		before: true,
		wants:  []want{{id: "tok", field: "--build-arg X", frag: "value", enc: "raw"}},
	}, {
		// A CI script that tags with a variable holding the wrong value.
		name:       "a tag made of the secret",
		dockerfile: "FROM localhost/busybox\nRUN echo built > /x\n",
		setup: func(t *testing.T, c *canary) (map[string]string, []string, []string) {
			_, flags, env := tokenEnv("tok")(t, c)
			return nil, append(flags, "-t", "localhost/e2e-tagged:"+c.value), env
		},
		before: true,
		wants:  []want{{id: "tok", field: "--tag number 2", frag: "value", enc: "raw"}},
	}, {
		name:       "ENV and LABEL set from a credential-named ARG",
		dockerfile: "FROM localhost/busybox\nARG API_TOKEN\nENV T=$API_TOKEN\nLABEL org.example.token=$API_TOKEN\nRUN echo configured > /x\n",
		setup: func(_ *testing.T, c *canary) (map[string]string, []string, []string) {
			return nil, []string{"--build-arg", "API_TOKEN=" + c.value}, nil
		},
		wants: []want{
			{id: "build-arg:API_TOKEN", field: "config.Env[", frag: "value", enc: "raw"},
			{id: "build-arg:API_TOKEN", field: "config.Labels.org.example.token", frag: "value", enc: "raw"},
		},
	}, {
		name: "builder stage copies a credential, final stage copies its whole filesystem",
		dockerfile: "FROM localhost/busybox AS b\nCOPY sa.json /work/creds/sa.json\nRUN echo compiled > /work/app\n" +
			"FROM localhost/busybox\nCOPY --from=b / /b/\n",
		setup: func(_ *testing.T, c *canary) (map[string]string, []string, []string) {
			sa := `{"type": "service_account", "client_email": "ci@example.iam", "private_key_id": "` + c.value + `"}` + "\n"
			return map[string]string{"sa.json": sa}, []string{"--secret", "id=sa,src=sa.json"}, nil
		},
		wants: []want{{id: "sa", path: "/b/work/creds/sa.json", frag: "value", enc: "raw"}},
	}, {
		name:       "COPY . . ships the .env that .dockerignore forgot",
		dockerfile: "FROM localhost/busybox\nWORKDIR /app\nCOPY . .\n",
		setup: func(_ *testing.T, c *canary) (map[string]string, []string, []string) {
			return map[string]string{
				".dockerignore": "node_modules\n*.log\n",
				".env":          "DB_HOST=db\nDB_PASSWORD=" + c.value + "\n",
				"app.sh":        "echo app\n",
			}, []string{"--secret", "id=dotenv,src=.env"}, nil
		},
		wants: []want{{id: "dotenv", path: "/app/.env", frag: "key-value", enc: "raw"}},
	}, {
		name:       "PEM private key copied into the image",
		dockerfile: "FROM localhost/busybox\nCOPY id_ed25519 /root/.ssh/id_ed25519\n",
		setup: func(t *testing.T, c *canary) (map[string]string, []string, []string) {
			key := sshKey(t, c, filepath.Join(tempDir(t), "id_ed25519"))
			return map[string]string{"id_ed25519": key}, []string{"--secret", "id=deploykey,src=id_ed25519"}, nil
		},
		wants: []want{{id: "deploykey", path: "/root/.ssh/id_ed25519", frag: "pem-body", enc: "raw"}},
	}, {
		name: "URL-encoded and hex-encoded copies of the token",
		canary: func(t *testing.T) *canary {
			return canaryOf("hushcanary+" + randHex(t, 6) + "/" + randHex(t, 6) + "=")
		},
		dockerfile: "FROM localhost/busybox\n" +
			`RUN --mount=type=secret,id=tok,env=T sh -c 'printf %s "$T" | sed -e "s/%/%25/g; s|/|%2F|g; s/+/%2B/g; s/=/%3D/g" > /url.txt; printf %s "$T" | od -An -tx1 | tr -d " \n" > /hex.txt'` + "\n",
		setup: tokenEnv("tok"),
		wants: []want{
			{id: "tok", path: "/url.txt", frag: "value", enc: "url"},
			{id: "tok", path: "/hex.txt", frag: "value", enc: "hex"},
		},
	}, {
		// encodeURIComponent, Python's quote(safe=""): every reserved
		// byte escaped, a space as %20.
		name: "URL-encoded password with a space and a plus",
		canary: func(t *testing.T) *canary {
			return canaryOf("hush canary+" + randHex(t, 10))
		},
		dockerfile: "FROM localhost/busybox\n" +
			`RUN --mount=type=secret,id=pw,env=T sh -c 'printf %s "$T" | sed -e "s/%/%25/g; s/ /%20/g; s/+/%2B/g" > /url.txt'` + "\n",
		setup: tokenEnv("pw"),
		wants: []want{{id: "pw", path: "/url.txt", frag: "value", enc: "url"}},
	}, {
		// Issue 19's views: od's dump with its offset column, and the
		// token as UTF-16LE (as .NET and PowerShell write text).
		name: "od dump and UTF-16 copies of the token",
		dockerfile: "FROM localhost/busybox\n" +
			`RUN --mount=type=secret,id=tok,env=T sh -c 'printf %s "$T" | od -tx1 > /od.txt; printf %s "$T" | od -An -v -tx1 | tr -s " " "\n" | grep . | while read h; do printf "\\x$h\\000"; done > /utf16.txt'` + "\n",
		setup: tokenEnv("tok"),
		wants: []want{
			{id: "tok", path: "/od.txt", frag: "value", enc: "view:hex"},
			{id: "tok", path: "/utf16.txt", frag: "value", enc: "view:utf16"},
		},
	}})
}

// TestGuardSeedPip is the seed's pip.conf recipes (seeds/000): COPY with no
// rm and ARG into history are refused; COPY then rm builds clean with one
// layer per stage and is refused with --layers; RUN --mount is clean.
func TestGuardSeedPip(t *testing.T) {
	pip := func(flags ...string) func(*testing.T, *canary) (map[string]string, []string, []string) {
		return func(_ *testing.T, c *canary) (map[string]string, []string, []string) {
			files := map[string]string{"pip.conf": pipConf(c), "generate.sh": "#!/bin/sh\necho generating\n"}
			return files, append([]string{"--secret", "id=pip,src=pip.conf"}, flags...), nil
		}
	}
	inLayer := []want{{id: "pip", path: "/root/.pip/pip.conf", frag: "url-password", enc: "raw"}}
	const (
		m1 = "FROM localhost/busybox\nCOPY pip.conf /root/.pip/pip.conf\nRUN wc -l /root/.pip/pip.conf\n"
		m2 = "FROM localhost/busybox\nCOPY pip.conf /root/.pip/pip.conf\nRUN wc -l /root/.pip/pip.conf\nRUN rm /root/.pip/pip.conf\n"
		m3 = "FROM localhost/busybox\nCOPY pip.conf /root/.pip/pip.conf\nRUN wc -l /root/.pip/pip.conf && rm /root/.pip/pip.conf\n"
		m4 = "FROM localhost/busybox\nARG SECRET\nCOPY generate.sh /generate.sh\nRUN sh /generate.sh ${SECRET} && rm -f /root/.pip/pip.conf\n"
		m5 = "FROM localhost/busybox\nRUN --mount=type=secret,id=pip,target=/root/.pip/pip.conf wc -l /root/.pip/pip.conf\n"
	)
	m4args := func(layers ...string) func(*testing.T, *canary) (map[string]string, []string, []string) {
		return func(t *testing.T, c *canary) (map[string]string, []string, []string) {
			files, flags, env := pip(layers...)(t, c)
			return files, append(flags, "--build-arg", "SECRET="+c.value), env
		}
	}
	var cases []leakCase
	for _, layers := range [][]string{nil, {"--layers"}} {
		mode := "one layer per stage"
		if layers != nil {
			mode = "--layers"
		}
		var rmWants []want // COPY then rm: clean unless each step is a layer
		if layers != nil {
			rmWants = inLayer
		}
		cases = append(cases,
			leakCase{name: "method 1 COPY, " + mode, dockerfile: m1, setup: pip(layers...), wants: inLayer},
			leakCase{name: "method 2 COPY then RUN rm, " + mode, dockerfile: m2, setup: pip(layers...), wants: rmWants},
			leakCase{name: "method 3 COPY, use and rm in one RUN, " + mode, dockerfile: m3, setup: pip(layers...), wants: rmWants},
			leakCase{name: "method 4 ARG SECRET, " + mode, dockerfile: m4, setup: m4args(layers...), before: true,
				wants: []want{{id: "pip", field: "--build-arg SECRET", frag: "url-password", enc: "raw"}}},
			leakCase{name: "method 5 RUN --mount, " + mode, dockerfile: m5, setup: pip(layers...),
				check: func(t *testing.T, c *canary, r result, img *image) {
					wantLine(t, r.stderr, "4 /root/.pip/pip.conf")
					img.assertNoFile(t, "/root/.pip/pip.conf")
				}},
		)
	}
	runLeakCases(t, cases)
}

// TestGuardSeedComposeArg is seeds/003: a compose-style ARG THEPASSWORD read
// by a RUN step, given by --secret ...,arg=: the step sees it, history not.
func TestGuardSeedComposeArg(t *testing.T) {
	var cases []leakCase
	for _, layers := range [][]string{nil, {"--layers"}} {
		cases = append(cases, leakCase{
			name:       "ARG THEPASSWORD via arg= " + map[bool]string{true: "--layers", false: "one layer per stage"}[layers != nil],
			dockerfile: "FROM localhost/busybox\nARG THEPASSWORD\nCOPY use_secret.sh .\nRUN sh ./use_secret.sh\n",
			setup: func(_ *testing.T, c *canary) (map[string]string, []string, []string) {
				return map[string]string{"use_secret.sh": "set -eu\necho \"secret length: ${#THEPASSWORD}\"\n"},
					append([]string{"--secret", "id=pw,env=HUSH_E2E_PW,arg=THEPASSWORD"}, layers...), []string{"HUSH_E2E_PW=" + c.value}
			},
			check: func(t *testing.T, c *canary, r result, img *image) {
				wantLine(t, r.stderr, "secret length: "+strconv.Itoa(len(c.value)))
			},
		})
	}
	runLeakCases(t, cases)
}

// TestGuardLookAlikes: builds that only look like leaks must succeed.
func TestGuardLookAlikes(t *testing.T) {
	runLeakCases(t, []leakCase{{
		name: "secret copied and removed within one step, --layers",
		dockerfile: "FROM localhost/busybox\n" +
			`RUN --mount=type=secret,id=tok sh -c 'cp /run/secrets/tok /tmp/tok && echo "copied $(wc -c < /tmp/tok) bytes" && rm /tmp/tok'` + "\n",
		setup: func(t *testing.T, c *canary) (map[string]string, []string, []string) {
			files, flags, env := tokenEnv("tok")(t, c)
			return files, append(flags, "--layers"), env
		},
		check: func(t *testing.T, c *canary, r result, img *image) {
			wantLine(t, r.stderr, "copied "+strconv.Itoa(len(c.value))+" bytes")
			img.assertNoFile(t, "/tmp/tok")
		},
	}, {
		name:       "long random string that is not the secret",
		dockerfile: "FROM localhost/busybox\nRUN --mount=type=secret,id=tok sh -c 'head -c 48 /dev/urandom | base64 > /random.txt'\n",
		setup:      tokenEnv("tok"),
		check: func(t *testing.T, c *canary, r result, img *image) {
			if got := img.file(t, "/random.txt"); len(got) < 64 {
				t.Errorf("/random.txt = %q, want 64 base64 characters", got)
			}
		},
	}, {
		name:       "short secret value (allow-short) that the image holds elsewhere",
		dockerfile: "FROM localhost/busybox\nRUN --mount=type=secret,id=pin --mount=type=secret,id=tok sh -c 'echo abcd > /f; echo \"pin is $(wc -c < /run/secrets/pin) bytes\"'\n",
		setup: func(t *testing.T, c *canary) (map[string]string, []string, []string) {
			files, flags, env := tokenEnv("tok")(t, c)
			return files, append(flags, "--secret", "id=pin,env=HUSH_E2E_PIN,allow-short=true"), append(env, "HUSH_E2E_PIN=abcd")
		},
		check: func(t *testing.T, c *canary, r result, img *image) {
			if got := img.file(t, "/f"); got != "abcd\n" {
				t.Errorf("/f = %q, want %q", got, "abcd\n")
			}
		},
	}, {
		name: "pip.conf secret, image has its timeout and user lines",
		dockerfile: "FROM localhost/busybox\n" +
			`RUN --mount=type=secret,id=pip mkdir -p /etc/xdg/pip && printf "[global]\ntimeout = 60\nuser = admin\n" > /etc/xdg/pip/pip.conf` + "\n",
		setup: func(t *testing.T, c *canary) (map[string]string, []string, []string) {
			conf := secretFile(t, "pip.conf", pipConf(c)+"user = admin\n")
			return nil, []string{"--secret", "id=pip,src=" + conf}, nil
		},
		check: func(t *testing.T, c *canary, r result, img *image) {
			if got := img.file(t, "/etc/xdg/pip/pip.conf"); got != "[global]\ntimeout = 60\nuser = admin\n" {
				t.Errorf("/etc/xdg/pip/pip.conf = %q", got)
			}
		},
	}})
}
