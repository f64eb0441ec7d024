package main

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Error lines are for people: buildah and its libraries sometimes put a
// whole Go value in an error (copier's request, %#v of a parsed step: 3 KB
// for a COPY of a dangling symlink), and a step's error quotes its whole
// instruction (a 1 MiB RUN line). oneLine cuts both.

// maxErrorLine bounds an error line; far above any useful message.
const maxErrorLine = 1024

// goValue starts a Go-syntax dump: &pkg.Type{ or pkg.Type{.
var goValue = regexp.MustCompile(`(?:\s+for)?\s*&?[a-z][a-z0-9]*\.[A-Za-z_][A-Za-z0-9_]*\{`)

// oneLine drops Go value dumps from msg and cuts it to maxErrorLine.
func oneLine(msg string) string {
	for {
		loc := goValue.FindStringIndex(msg)
		if loc == nil {
			break
		}
		end := closing(msg, loc[1]-1)
		if end < 0 {
			msg = msg[:loc[0]]
			break
		}
		msg = msg[:loc[0]] + msg[end+1:]
	}
	if len(msg) > maxErrorLine {
		cut := maxErrorLine
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "... (cut)"
	}
	return strings.TrimSpace(msg)
}

// closing returns the index of the brace that closes the one at open,
// skipping Go-quoted strings, or -1.
func closing(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}
