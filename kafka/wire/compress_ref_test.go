package wire

import (
	"encoding/binary"
	"errors"
	"math/bits"
)

// Minimal reference decoders written from the format specifications (the
// snappy block format description, the LZ4 block and frame format
// documents, xxHash32), used only to check our encoders' output without
// trusting the libraries that produced it. They assume well-formed input and
// are not fuzzed; they report errors instead of panicking on short input.

var errRef = errors.New("reference decoder: malformed input")

// refSnappyBlock decodes one raw snappy block.
func refSnappyBlock(src []byte) ([]byte, error) {
	n, k := binary.Uvarint(src)
	if k <= 0 {
		return nil, errRef
	}
	src = src[k:]
	out := make([]byte, 0, n)
	for len(src) > 0 {
		tag := src[0]
		var length, offset, hdr int
		switch tag & 3 {
		case 0:
			m := int(tag >> 2)
			hdr = 1
			if m >= 60 {
				extra := m - 59
				if len(src) < 1+extra {
					return nil, errRef
				}
				m = 0
				for i := extra; i >= 1; i-- {
					m = m<<8 | int(src[i])
				}
				hdr += extra
			}
			length = m + 1
			if len(src) < hdr+length {
				return nil, errRef
			}
			out = append(out, src[hdr:hdr+length]...)
			src = src[hdr+length:]
			continue
		case 1:
			if len(src) < 2 {
				return nil, errRef
			}
			length, offset, hdr = 4+int(tag>>2&7), int(tag&0xe0)<<3|int(src[1]), 2
		case 2:
			if len(src) < 3 {
				return nil, errRef
			}
			length, offset, hdr = 1+int(tag>>2), int(binary.LittleEndian.Uint16(src[1:])), 3
		case 3:
			if len(src) < 5 {
				return nil, errRef
			}
			length, offset, hdr = 1+int(tag>>2), int(binary.LittleEndian.Uint32(src[1:])), 5
		}
		if offset <= 0 || offset > len(out) {
			return nil, errRef
		}
		for i := 0; i < length; i++ {
			out = append(out, out[len(out)-offset])
		}
		src = src[hdr:]
	}
	if uint64(len(out)) != n {
		return nil, errRef
	}
	return out, nil
}

// refLZ4Block decodes one independent LZ4 block.
func refLZ4Block(src []byte) ([]byte, error) {
	var out []byte
	readLen := func(n int) (int, bool) {
		if n != 15 {
			return n, true
		}
		for {
			if len(src) == 0 {
				return 0, false
			}
			b := src[0]
			src = src[1:]
			n += int(b)
			if b != 255 {
				return n, true
			}
		}
	}
	for len(src) > 0 {
		token := src[0]
		src = src[1:]
		lit, ok := readLen(int(token >> 4))
		if !ok || len(src) < lit {
			return nil, errRef
		}
		out = append(out, src[:lit]...)
		src = src[lit:]
		if len(src) == 0 {
			break // the last sequence has literals only
		}
		if len(src) < 2 {
			return nil, errRef
		}
		offset := int(binary.LittleEndian.Uint16(src))
		src = src[2:]
		ml, ok := readLen(int(token & 15))
		if !ok || offset == 0 || offset > len(out) {
			return nil, errRef
		}
		for i := 0; i < ml+4; i++ {
			out = append(out, out[len(out)-offset])
		}
	}
	return out, nil
}

// refXXH32 is xxHash32 for inputs shorter than 16 bytes (all a frame
// descriptor needs).
func refXXH32(p []byte, seed uint32) uint32 {
	const p1, p2, p3, p4, p5 = 2654435761, 2246822519, 3266489917, 668265263, 374761393
	h := seed + p5 + uint32(len(p))
	for ; len(p) >= 4; p = p[4:] {
		h += binary.LittleEndian.Uint32(p) * p3
		h = bits.RotateLeft32(h, 17) * p4
	}
	for _, b := range p {
		h += uint32(b) * p5
		h = bits.RotateLeft32(h, 11) * p1
	}
	h ^= h >> 15
	h *= p2
	h ^= h >> 13
	h *= p3
	h ^= h >> 16
	return h
}
