package wire

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pierrec/lz4/v4"
	"go.uber.org/goleak"
)

var allCodecs = []Codec{CodecNone, CodecGzip, CodecSnappy, CodecLZ4, CodecZstd}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestCompressRoundTrip(t *testing.T) {
	inputs := map[string][]byte{
		"empty":          {},
		"one byte":       {7},
		"short":          []byte("hello, hello, hello kafka"),
		"xerial block":   bytes.Repeat([]byte("abc"), xerialBlockSize/3+1)[:xerialBlockSize],
		"xerial block+1": bytes.Repeat([]byte("abcd"), xerialBlockSize/4+1)[:xerialBlockSize+1],
		"lz4 blocks":     jsonCorpus(2000)[:3*lz4BlockSize+7],
		"json":           jsonCorpus(700),
		"incompressible": randomBytes(200_000, 1),
		"zeros (1 MiB)":  make([]byte, 1<<20),
	}
	levels := map[Codec][]int{CodecGzip: {0, 1, 9}, CodecLZ4: {0, 1, 9, 17}, CodecZstd: {0, -5, 1, 3, 19}, CodecSnappy: {0}, CodecNone: {0}}
	for _, c := range allCodecs {
		for _, level := range levels[c] {
			for name, in := range inputs {
				comp, err := Compress([]byte("pre"), in, c, level)
				if err != nil {
					t.Fatalf("%v level %d %s: Compress() error = %v", c, level, name, err)
				}
				if !bytes.HasPrefix(comp, []byte("pre")) {
					t.Fatalf("%v %s: Compress() clobbered dst", c, name)
				}
				got, err := Decompress([]byte("out"), comp[3:], c, 0)
				if err != nil {
					t.Fatalf("%v level %d %s: Decompress() error = %v", c, level, name, err)
				}
				if !bytes.Equal(got[3:], in) || string(got[:3]) != "out" {
					t.Errorf("%v level %d %s: round trip mismatch (%d bytes in, %d out)", c, level, name, len(in), len(got)-3)
				}
			}
		}
	}
}

func TestSnappyWritesXerial(t *testing.T) {
	in := jsonCorpus(700) // 70,000 bytes: 32 KiB + 32 KiB + 4,464
	out, _ := Compress(nil, in, CodecSnappy, 0)
	wantHeader := []byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0x00, 0, 0, 0, 1, 0, 0, 0, 1}
	if diff := cmp.Diff(wantHeader, out[:16]); diff != "" {
		t.Fatalf("xerial header mismatch (-want +got):\n%s", diff)
	}
	var sizes []int
	var got []byte
	for rest := out[16:]; len(rest) > 0; {
		n := int(binary.BigEndian.Uint32(rest))
		block, err := refSnappyBlock(rest[4 : 4+n])
		if err != nil {
			t.Fatalf("chunk %d: reference snappy decoder: %v", len(sizes), err)
		}
		sizes = append(sizes, len(block))
		got = append(got, block...)
		rest = rest[4+n:]
	}
	if diff := cmp.Diff([]int{32768, 32768, 4464}, sizes); diff != "" {
		t.Errorf("xerial chunk input sizes (-want +got):\n%s", diff)
	}
	if !bytes.Equal(got, in) {
		t.Errorf("reference decoding of our xerial stream differs from the input")
	}
}

// snappyLiteral is a raw snappy block made by hand: the uvarint length, then
// literal chunks of at most 60 bytes (tag (n-1)<<2).
func snappyLiteral(p []byte) []byte {
	out := binary.AppendUvarint(nil, uint64(len(p)))
	for len(p) > 0 {
		n := min(len(p), 60)
		out = append(out, byte(n-1)<<2)
		out = append(out, p[:n]...)
		p = p[n:]
	}
	return out
}

func TestSnappyReadsRawAndXerial(t *testing.T) {
	in := []byte("The quick brown fox jumps over the lazy dog, again and again and again.")
	raw := snappyLiteral(in)
	xerial := append([]byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1}, 0, 0, 0, byte(len(raw)))
	xerial = append(xerial, raw...)
	twoStreams := append(bytes.Clone(xerial), xerial...)
	tests := []struct {
		name string
		give []byte
		want []byte
	}{
		{"raw block", raw, in},
		{"xerial", xerial, in},
		{"concatenated xerial streams", twoStreams, append(bytes.Clone(in), in...)},
		{"xerial header only", xerial[:16], nil},
	}
	for _, tt := range tests {
		got, err := Decompress(nil, tt.give, CodecSnappy, 0)
		if err != nil {
			t.Errorf("%s: Decompress() error = %v", tt.name, err)
			continue
		}
		if !bytes.Equal(got, tt.want) {
			t.Errorf("%s: Decompress() = %q; want %q", tt.name, got, tt.want)
		}
	}
	for name, bad := range map[string][]byte{
		"truncated chunk length": xerial[:18],
		"chunk past end":         xerial[:len(xerial)-1],
		"google framing":         append([]byte{0xff, 6, 0, 0, 's', 'N', 'a', 'P', 'p', 'Y'}, raw...),
	} {
		if _, err := Decompress(nil, bad, CodecSnappy, 0); !errorsIs(err, ErrCorruptCompressed) {
			t.Errorf("%s: Decompress() error = %v; want ErrCorruptCompressed", name, err)
		}
	}
}

func TestLZ4WritesJavaFrame(t *testing.T) {
	in := append(jsonCorpus(700), randomBytes(lz4BlockSize, 2)...) // compressible blocks, then a stored one
	out, _ := Compress(nil, in, CodecLZ4, 0)
	wantHeader := []byte{0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82}
	if diff := cmp.Diff(wantHeader, out[:7]); diff != "" {
		t.Fatalf("lz4 frame header mismatch (-want +got):\n%s", diff)
	}
	if hc := byte(refXXH32(out[4:6], 0) >> 8); hc != out[6] {
		t.Errorf("header checksum %02x; xxh32(FLG,BD)>>8 = %02x", out[6], hc)
	}
	var got []byte
	stored := 0
	rest := out[7:]
	for {
		size := binary.LittleEndian.Uint32(rest)
		rest = rest[4:]
		if size == 0 {
			break
		}
		n := int(size &^ 0x80000000)
		var block []byte
		if size&0x80000000 != 0 {
			block = rest[:n]
			stored++
		} else {
			var err error
			if block, err = refLZ4Block(rest[:n]); err != nil {
				t.Fatalf("reference lz4 block decoder: %v", err)
			}
		}
		if len(block) > lz4BlockSize {
			t.Errorf("block of %d bytes exceeds 64 KiB", len(block))
		}
		got = append(got, block...)
		rest = rest[n:]
	}
	if len(rest) != 0 {
		t.Errorf("%d bytes after the end mark", len(rest))
	}
	if stored == 0 {
		t.Errorf("incompressible block was not stored uncompressed")
	}
	if !bytes.Equal(got, in) {
		t.Errorf("reference decoding of our lz4 frame differs from the input")
	}

	// pierrec's own Writer, configured as Java frames are, writes the same
	// descriptor; this pins the options a future switch to it would need.
	var pw bytes.Buffer
	w := lz4.NewWriter(&pw)
	if err := w.Apply(lz4.BlockSizeOption(lz4.Block64Kb), lz4.ChecksumOption(false), lz4.ConcurrencyOption(1)); err != nil {
		t.Fatal(err)
	}
	w.Write(in[:100])
	w.Close()
	if diff := cmp.Diff(wantHeader, pw.Bytes()[:7]); diff != "" {
		t.Errorf("pierrec Writer header with Java options (-want +got):\n%s", diff)
	}
}

func TestDecompressReferenceStreams(t *testing.T) {
	want := jsonCorpus(700)
	tests := []struct {
		file  string
		codec Codec
	}{
		{"corpus.gz", CodecGzip},
		{"corpus.lz4-java-like", CodecLZ4},
		{"corpus.lz4-default", CodecLZ4},
		{"corpus.lz4-dependent", CodecLZ4},
		{"corpus.lz4-size-blockcrc", CodecLZ4},
		{"corpus.zst", CodecZstd},
		{"corpus-19.zst", CodecZstd},
	}
	for _, tt := range tests {
		src, err := os.ReadFile(filepath.Join("testdata", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decompress(nil, src, tt.codec, 0)
		if err != nil {
			t.Errorf("%s: Decompress() error = %v", tt.file, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: decompressed %d bytes differ from the corpus", tt.file, len(got))
		}
	}
	// The java-like file (lz4 -B4 --no-frame-crc) has exactly our header.
	src, _ := os.ReadFile("testdata/corpus.lz4-java-like")
	ours, _ := Compress(nil, want, CodecLZ4, 0)
	if !bytes.Equal(src[:7], ours[:7]) {
		t.Errorf("reference lz4 header % x; ours % x", src[:7], ours[:7])
	}
}

// zstdRawFrame is a zstd frame made by hand: single segment, 2-byte content
// size, one raw (stored) last block.
func zstdRawFrame(p []byte) []byte {
	out := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x60}
	out = binary.LittleEndian.AppendUint16(out, uint16(len(p)-256))
	bh := uint32(len(p))<<3 | 1 // size, type raw (0), last
	out = append(out, byte(bh), byte(bh>>8), byte(bh>>16))
	return append(out, p...)
}

// zstdRLEBomb is a hand-made zstd frame without a content size that
// expands to blocks × 128 KiB of 'A' from 4 bytes per block.
func zstdRLEBomb(blocks int) []byte {
	out := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38} // no FCS; window 2^(10+7) = 128 KiB
	for i := 0; i < blocks; i++ {
		bh := uint32(128<<10)<<3 | 1<<1 // RLE
		if i == blocks-1 {
			bh |= 1
		}
		out = append(out, byte(bh), byte(bh>>8), byte(bh>>16), 'A')
	}
	return out
}

func TestDecompressHandBuilt(t *testing.T) {
	p := jsonCorpus(3)
	if got, err := Decompress(nil, zstdRawFrame(p), CodecZstd, 0); err != nil || !bytes.Equal(got, p) {
		t.Errorf("zstd raw frame: Decompress() = %d bytes, %v", len(got), err)
	}
	got, err := Decompress(nil, zstdRLEBomb(3), CodecZstd, 0)
	if err != nil || !bytes.Equal(got, bytes.Repeat([]byte{'A'}, 3*128<<10)) {
		t.Errorf("zstd RLE frame: Decompress() = %d bytes, %v", len(got), err)
	}
	// An LZ4 frame of one stored block, as Java writes incompressible data.
	frame := append([]byte{0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82}, binary.LittleEndian.AppendUint32(nil, uint32(len(p))|0x80000000)...)
	frame = append(append(frame, p...), 0, 0, 0, 0)
	if got, err := Decompress(nil, frame, CodecLZ4, 0); err != nil || !bytes.Equal(got, p) {
		t.Errorf("lz4 stored-block frame: Decompress() = %d bytes, %v", len(got), err)
	}
}

func TestGzipInterop(t *testing.T) {
	in := jsonCorpus(200)
	ours, _ := Compress(nil, in, CodecGzip, 0)
	zr, err := gzip.NewReader(bytes.NewReader(ours))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(got, in) {
		t.Errorf("compress/gzip reading our stream: %d bytes, %v", len(got), err)
	}
	// Two members, as a concatenating writer would produce.
	var buf bytes.Buffer
	for i := 0; i < 2; i++ {
		zw := gzip.NewWriter(&buf)
		zw.Write(in)
		zw.Close()
	}
	got, err = Decompress(nil, buf.Bytes(), CodecGzip, 0)
	if err != nil || !bytes.Equal(got, append(bytes.Clone(in), in...)) {
		t.Errorf("Decompress(two stdlib gzip members) = %d bytes, %v", len(got), err)
	}
}

// TestCLIInterop feeds our streams to the reference C tools when they are
// installed (they are optional; CI may not have them).
func TestCLIInterop(t *testing.T) {
	in := jsonCorpus(700)
	for _, tt := range []struct {
		tool  string
		codec Codec
		args  []string
	}{
		{"lz4", CodecLZ4, []string{"-d", "-c"}},
		{"zstd", CodecZstd, []string{"-d", "-c"}},
		{"gzip", CodecGzip, []string{"-d", "-c"}},
	} {
		path, err := exec.LookPath(tt.tool)
		if err != nil {
			t.Logf("%s not installed; skipping", tt.tool)
			continue
		}
		comp, _ := Compress(nil, in, tt.codec, 0)
		cmd := exec.Command(path, tt.args...)
		cmd.Stdin = bytes.NewReader(comp)
		got, err := cmd.Output()
		if err != nil || !bytes.Equal(got, in) {
			t.Errorf("%s -d on our stream: %d bytes, %v", tt.tool, len(got), err)
		}
	}
}

func TestDecompressLimit(t *testing.T) {
	const limit = 1 << 20
	zeros := make([]byte, 32<<20)
	bombs := map[Codec][]byte{CodecZstd: zstdRLEBomb(8192)} // 1 GiB from 32 KiB
	for _, c := range []Codec{CodecGzip, CodecSnappy, CodecLZ4} {
		bombs[c], _ = Compress(nil, zeros, c, 0)
	}
	bombs[CodecNone] = zeros[:limit+1]
	for _, c := range allCodecs {
		bomb := bombs[c]
		Decompress(nil, bomb[:len(bomb)/2], c, limit) // warm pools; result irrelevant
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := Decompress(nil, bomb, c, limit)
		runtime.ReadMemStats(&after)
		if !errorsIs(err, ErrDecompressedTooLarge) {
			t.Errorf("%v: Decompress(bomb of %d bytes) error = %v; want ErrDecompressedTooLarge", c, len(bomb), err)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8*limit {
			t.Errorf("%v: Decompress(bomb) allocated %d bytes with a %d-byte limit", c, alloc, limit)
		}
		// Exactly at the limit is fine, one byte less is not.
		exact, _ := Compress(nil, zeros[:limit], c, 0)
		if got, err := Decompress(nil, exact, c, limit); err != nil || len(got) != limit {
			t.Errorf("%v: Decompress(limit bytes) = %d, %v", c, len(got), err)
		}
		if _, err := Decompress(nil, exact, c, limit-1); !errorsIs(err, ErrDecompressedTooLarge) {
			t.Errorf("%v: Decompress(limit bytes, limit-1) error = %v; want ErrDecompressedTooLarge", c, err)
		}
	}
}

func TestDecompressGarbage(t *testing.T) {
	garbage := randomBytes(1000, 3)
	for _, c := range allCodecs[1:] {
		if _, err := Decompress(nil, garbage, c, 0); !errorsIs(err, ErrCorruptCompressed) {
			t.Errorf("%v: Decompress(garbage) error = %v; want ErrCorruptCompressed", c, err)
		}
		if _, err := Decompress(nil, nil, c, 0); !errorsIs(err, ErrCorruptCompressed) {
			t.Errorf("%v: Decompress(empty) error = %v; want ErrCorruptCompressed", c, err)
		}
	}
	if _, err := Decompress(nil, garbage, Codec(5), 0); !errorsIs(err, ErrUnknownCodec) {
		t.Errorf("Decompress(codec 5) error = %v; want ErrUnknownCodec", err)
	}
}

// TestCompressZeroAllocs checks that pooled codec state makes Compress and
// Build allocation-free once dst has room.
func TestCompressZeroAllocs(t *testing.T) {
	if underRace {
		t.Skip("sync.Pool drops items under -race; allocation counts are checked without it")
	}
	in := jsonCorpus(1000)
	for _, c := range allCodecs {
		dst := make([]byte, 0, 2*len(in)+4096)
		Compress(dst, in, c, 0)
		allocs := testing.AllocsPerRun(20, func() { Compress(dst[:0], in, c, 0) })
		if allocs != 0 {
			t.Errorf("%v: Compress() allocs/op = %v; want 0", c, allocs)
		}
	}
}

func TestCodecsLeaveNoGoroutines(t *testing.T) {
	in := jsonCorpus(50)
	for _, c := range allCodecs {
		comp, _ := Compress(nil, in, c, 0)
		Decompress(nil, comp, c, 0)
		Decompress(nil, comp, c, 1<<16) // reconfigure the zstd decoder's limit
	}
	goleak.VerifyNone(t)
}

func TestCodecString(t *testing.T) {
	got := []string{}
	for _, c := range append(allCodecs, 7) {
		got = append(got, c.String())
	}
	if diff := cmp.Diff([]string{"none", "gzip", "snappy", "lz4", "zstd", "codec(7)"}, got); diff != "" {
		t.Errorf("Codec.String() (-want +got):\n%s", diff)
	}
}
