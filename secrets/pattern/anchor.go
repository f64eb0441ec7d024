package pattern

// Any stride consecutive windows of a pattern serve the filter: an
// occurrence covers them all, and one sample is sure to read one of them.
// A pattern that holds common text ("https://", "password", a key name)
// would send every such word in a log or a config file to the exact
// lookup and a byte comparison, so the filter holds the run of windows
// least likely in ordinary data, by a rough byte-frequency model.

// commonness is a byte's weight in layers and logs: text letters and
// punctuation, and the zeros of binaries, are common; capitals, most
// symbols and high bytes are not. The scale is a log: a window's weight is
// the sum of its bytes'.
var commonness = func() (t [256]uint8) {
	set := func(chars string, w uint8) {
		for i := 0; i < len(chars); i++ {
			t[chars[i]] = w
		}
	}
	set("abcdefghijklmnopqrstuvwxyz ", 4)
	set("0123456789/.-_:=\"\n\t,", 3)
	set("ABCDEFGHIJKLMNOPQRSTUVWXYZ()[]{}<>;'@+*%", 2)
	set("!#$&?\\^`|~", 1)
	t[0], t[0xff] = 4, 2
	return t
}()

// wordBonus is added to a window of four lower-case letters, not all hex
// digits: words repeat far more often than their letters' weights say
// ("http", "pass"); a hex digest's "cafe" does not.
const wordBonus = 4

// maxAnchor bounds the offset of the run: a Stream keeps this many bytes
// more of the previous Write, to verify a pattern from its start when the
// run is read in a later Write than the start.
const maxAnchor = 64

// anchor returns the offset (at most maxAnchor) of the run of st windows
// of b least likely in ordinary data: the run with the lowest sum of
// 2^weight over its windows.
func anchor(b []byte, st int) int {
	n := min(len(b)-q+1, maxAnchor+st) // windows that may be in the run
	if n <= st {
		return 0
	}
	cost := func(j int) uint64 {
		w := int(commonness[b[j]]) + int(commonness[b[j+1]]) + int(commonness[b[j+2]]) + int(commonness[b[j+3]])
		if word(b[j : j+4]) {
			w += wordBonus
		}
		return 1 << w
	}
	var run uint64
	for j := 0; j < st; j++ {
		run += cost(j)
	}
	best, at := run, 0
	for j := st; j < n; j++ {
		run += cost(j) - cost(j-st)
		if run < best {
			best, at = run, j-st+1
		}
	}
	return at
}

// word reports whether w is four lower-case letters, not all of them hex
// digits.
func word(w []byte) bool {
	hex := true
	for _, c := range w {
		if c < 'a' || c > 'z' {
			return false
		}
		hex = hex && c <= 'f'
	}
	return !hex
}
