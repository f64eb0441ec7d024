package tests

import (
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// conformanceSkip says why a case is not compared here, or "".
func conformanceSkip(c conformanceCase) string {
	switch {
	case c.WithoutDocker:
		return "buildah-only feature: the suite builds it without docker"
	case c.Tweak && conformanceTweaks[c.Name] == nil:
		return "its context is made by the suite's Go code (tweakContextDir), not by testdata"
	}
	if why, ok := conformanceSkips[c.Name]; ok {
		return why
	}
	text := c.DockerfileContents
	if text == "" {
		p := filepath.Join(conformanceDir, "testdata", c.ContextDir, c.Dockerfile)
		if c.Dockerfile == "" {
			p = filepath.Join(p, "Dockerfile")
		}
		b, _ := os.ReadFile(p)
		text = string(b)
	}
	if m := networkBase.FindString(text); m != "" {
		return "needs the network: " + strings.Fields(m)[1] + " is not made offline"
	}
	if m := buildkitOnly.FindString(text); m != "" {
		return "BuildKit syntax (" + strings.TrimSpace(m) + ") that docker's classic builder refuses; the suite compares it with BuildKit"
	}
	return ""
}

// buildkitOnly: Dockerfile syntax docker 20.10's classic builder refuses.
var buildkitOnly = regexp.MustCompile(`--parents|--exclude|--mount=|<<-?["']?[A-Za-z]`)

// conformanceSkips: cases docker's classic builder cannot build as the
// suite means them.
var conformanceSkips = map[string]string{
	"copyglob-4": "BuildKit's ** in a COPY source: docker's classic builder finds no file",
}

// conformanceExcepted says why d may differ in case name, or "".
func conformanceExcepted(name string, d difference) string {
	for _, e := range conformanceExceptions {
		if ok, _ := path.Match(e.key, d.key); !ok && e.key != d.key {
			continue
		}
		if e.values != nil && (d.docker != e.values[0] || d.hush != e.values[1]) {
			continue
		}
		if len(e.cases) == 0 {
			return e.why
		}
		for _, c := range e.cases {
			if c == name {
				return e.why
			}
		}
	}
	return ""
}

// conformanceException: key may differ in cases (all where none are
// named), with values docker's and hush's (JSON; "" missing) where given,
// for the reason why (docs/conformance.md).
type conformanceException struct {
	key    string
	values []string
	cases  []string
	why    string
}

// The reasons are docs/conformance.md's; key is a path.Match pattern.
var conformanceExceptions = []conformanceException{
	{key: "config:WorkingDir", values: []string{"", `"/"`}, why: whyScratchWorkdir},
	{key: "config:ArgsEscaped", values: []string{"", "true"}, why: whyArgsEscaped},
	{key: "fs:/*:*", cases: []string{"buildin-args"}, why: whyPlatformArgs},
	{key: "fs:/volume[abc]:*", cases: []string{"chown-volume"}, why: whyVolumes},
	{key: "fs:/0.txt:*", cases: []string{"builtins"}, why: whyPlatformArgs},
	{key: "fs:/first*", cases: []string{"multistage-builtin-args"}, why: whyPlatformArgs},
	{key: "fs:/first/*", cases: []string{"multistage-builtin-args"}, why: whyPlatformArgs},
	{key: "fs:/second*", cases: []string{"multistage-builtin-args"}, why: whyPlatformArgs},
	{key: "fs:/second/*", cases: []string{"multistage-builtin-args"}, why: whyPlatformArgs},
	{key: "fs:/created*:[ug]id", cases: []string{"workdir-owner"}, why: whyWorkdirOwner},
	{key: "fs:/created/directory:[ug]id", cases: []string{"workdir-owner"}, why: whyWorkdirOwner},
}

const (
	whyScratchWorkdir = "FROM scratch starts with WorkingDir / as BuildKit (buildah's CompatScratchConfig default); the classic builder leaves it empty"
	whyArgsEscaped    = "ArgsEscaped true after CMD as BuildKit writes it; the classic builder sets it only on Windows"
	whyPlatformArgs   = "BuildKit's automatic TARGET*/BUILD* platform ARGs have values; the classic builder leaves them empty"
	whyWorkdirOwner   = "WORKDIR creates its directory owned by the USER as BuildKit; the classic builder makes it root's"
	whyVolumes        = "a VOLUME directory keeps what RUN wrote into it as BuildKit (buildah's CompatVolumes default); the classic builder resets it"
)
