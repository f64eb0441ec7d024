package pattern

import (
	"encoding/binary"
	"math/bits"
)

// filterBits sizes the sampled windows' filter: 2^20 bits (128 KiB, in
// L2) keeps false positives near 0.2% for a few hundred patterns at the
// shortest strides. The size is a constant so that the sampling loop
// indexes it without bounds checks or a mask.
const filterBits = 20

// bitFilter is a bitmap over a multiplicative hash of a window.
type bitFilter [1 << (filterBits - 6)]uint64

func fhash(w uint32) uint32 { return (w * 0x9E3779B1) >> (32 - filterBits) }

func (f *bitFilter) set(w uint32) {
	h := fhash(w)
	f[h>>6] |= 1 << (h & 63)
}

func (f *bitFilter) has(w uint32) bool {
	h := fhash(w)
	return f[h>>6]&(1<<(h&63)) != 0
}

// strideN lists the strides the sampling loop is compiled for, as array
// types: len of the type parameter is then a constant in each
// instantiation, so the eight window offsets fold into the loads and one
// slice bounds check covers them (twice the speed of a variable stride).
type strideN interface {
	[1]byte | [2]byte | [3]byte | [4]byte | [5]byte | [6]byte | [7]byte | [8]byte |
		[10]byte | [12]byte | [14]byte | [16]byte | [20]byte | [24]byte | [28]byte |
		[32]byte | [40]byte | [48]byte | [56]byte | [64]byte
}

// sampler is the sampling loop for one stride.
type sampler struct {
	stride int
	next   func(f *bitFilter, p []byte, i int) int
}

// samplers, ascending by stride. A matcher samples at the largest stride
// that is not longer than the one its shortest pattern allows.
var samplers = []sampler{
	{1, sample[[1]byte]}, {2, sample[[2]byte]}, {3, sample[[3]byte]}, {4, sample[[4]byte]},
	{5, sample[[5]byte]}, {6, sample[[6]byte]}, {7, sample[[7]byte]}, {8, sample[[8]byte]},
	{10, sample[[10]byte]}, {12, sample[[12]byte]}, {14, sample[[14]byte]}, {16, sample[[16]byte]},
	{20, sample[[20]byte]}, {24, sample[[24]byte]}, {28, sample[[28]byte]}, {32, sample[[32]byte]},
	{40, sample[[40]byte]}, {48, sample[[48]byte]}, {56, sample[[56]byte]}, {64, sample[[64]byte]},
}

// samplerFor returns the sampler of the largest stride <= max.
func samplerFor(max int) sampler {
	s := samplers[0]
	for _, c := range samplers {
		if c.stride <= max {
			s = c
		}
	}
	return s
}

// sample returns the first sample position i' >= i, stepping by the
// stride, whose window passes f, or -1. This loop is where scanning time
// goes: eight samples per iteration, whose loads overlap.
func sample[S strideN](f *bitFilter, p []byte, i int) int {
	var s S
	const sh = 32 - filterBits
	st := len(s)
	for ; i+7*st+q <= len(p); i += 8 * st {
		b := p[i : i+7*st+q]
		h0 := (binary.LittleEndian.Uint32(b[0:]) * 0x9E3779B1) >> sh
		h1 := (binary.LittleEndian.Uint32(b[st:]) * 0x9E3779B1) >> sh
		h2 := (binary.LittleEndian.Uint32(b[2*st:]) * 0x9E3779B1) >> sh
		h3 := (binary.LittleEndian.Uint32(b[3*st:]) * 0x9E3779B1) >> sh
		h4 := (binary.LittleEndian.Uint32(b[4*st:]) * 0x9E3779B1) >> sh
		h5 := (binary.LittleEndian.Uint32(b[5*st:]) * 0x9E3779B1) >> sh
		h6 := (binary.LittleEndian.Uint32(b[6*st:]) * 0x9E3779B1) >> sh
		h7 := (binary.LittleEndian.Uint32(b[7*st:]) * 0x9E3779B1) >> sh
		b0 := f[h0>>6] >> (h0 & 63)
		b1 := f[h1>>6] >> (h1 & 63)
		b2 := f[h2>>6] >> (h2 & 63)
		b3 := f[h3>>6] >> (h3 & 63)
		b4 := f[h4>>6] >> (h4 & 63)
		b5 := f[h5>>6] >> (h5 & 63)
		b6 := f[h6>>6] >> (h6 & 63)
		b7 := f[h7>>6] >> (h7 & 63)
		if (b0|b1|b2|b3|b4|b5|b6|b7)&1 != 0 {
			hit := b0&1 | (b1&1)<<1 | (b2&1)<<2 | (b3&1)<<3 | (b4&1)<<4 | (b5&1)<<5 | (b6&1)<<6 | (b7&1)<<7
			return i + bits.TrailingZeros64(hit)*st
		}
	}
	for ; i+q <= len(p); i += st {
		if f.has(binary.LittleEndian.Uint32(p[i:])) {
			return i
		}
	}
	return -1
}
