package wire

import (
	"fmt"
	"strings"
)

// jsonCorpus returns n newline-terminated JSON-ish records of about 100
// bytes each, deterministic (a fixed LCG), resembling application events:
// repeated field names, varying numbers and ids. It is the input of the codec
// benchmarks and of the reference streams in testdata, which were made from
// jsonCorpus(700) with the reference C tools:
//
//	lz4 -B4 --no-frame-crc      corpus.lz4-java-like  (Java's header: 64 KiB, no checksum)
//	lz4 -BD -B5 --content-size  corpus.lz4-dependent  (dependent blocks, content size, checksum)
//	lz4 (defaults)              corpus.lz4-default    (4 MiB blocks, content checksum)
//	zstd -3                     corpus.zst
//	zstd -19 --no-check         corpus-19.zst
//	gzip -9                     corpus.gz
func jsonCorpus(n int) []byte {
	var sb strings.Builder
	x := uint32(2463534242)
	next := func() uint32 { x = x*1664525 + 1013904223; return x >> 8 }
	events := []string{"click", "view", "purchase", "signup", "logout"}
	for i := 0; i < n; i++ {
		line := fmt.Sprintf(`{"id":%d,"user":"u-%06d","event":%q,"ts":%d,"amount":%d.%02d,"path":"/p/%x"}`,
			i, next()%100000, events[next()%5], 1700000000000+int64(i)*37, next()%1000, next()%100, next()%4096)
		sb.WriteString(line)
		if pad := 99 - len(line); pad > 0 {
			sb.WriteString(strings.Repeat(" ", pad))
		}
		sb.WriteByte('\n')
	}
	return []byte(sb.String())
}
