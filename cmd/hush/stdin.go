package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// stdinInput is what docker build takes from stdin: with CONTEXT "-", a
// tar archive (plain or compressed) is the whole context and anything else
// is a Dockerfile with an empty context; with -f -, a Dockerfile for the
// CONTEXT directory.
type stdinInput struct {
	archive    io.Reader
	dockerfile []byte
}

// compressed magics docker's own sniffing (and storage's DecompressStream)
// know: gzip, bzip2, xz, zstd.
var compressedMagic = [][]byte{{0x1f, 0x8b}, []byte("BZh"), {0xfd, '7', 'z', 'X', 'Z', 0x00}, {0x28, 0xb5, 0x2f, 0xfd}}

func readStdin(stdin io.Reader, contextArg, file string) (stdinInput, error) {
	if contextArg != "-" {
		// -f -: the Dockerfile only.
		b, err := io.ReadAll(stdin)
		if err != nil {
			return stdinInput{}, fmt.Errorf("reading Dockerfile from stdin: %w", err)
		}
		return stdinInput{dockerfile: b}, nil
	}
	br := bufio.NewReaderSize(stdin, 1024)
	head, _ := br.Peek(512)
	if isArchive(head) {
		return stdinInput{archive: br}, nil
	}
	if file != "" {
		return stdinInput{}, fmt.Errorf("--file %s: stdin holds a Dockerfile, not a context archive, so there is no context to find it in", file)
	}
	b, err := io.ReadAll(br)
	if err != nil {
		return stdinInput{}, fmt.Errorf("reading Dockerfile from stdin: %w", err)
	}
	return stdinInput{dockerfile: b}, nil
}

// isArchive: a compressed stream, or a tar header (ustar magic at 257).
func isArchive(head []byte) bool {
	for _, m := range compressedMagic {
		if bytes.HasPrefix(head, m) {
			return true
		}
	}
	return len(head) >= 262 && bytes.Equal(head[257:262], []byte("ustar"))
}
