package wire

import "hash/crc32"

// crc32c is the one Castagnoli table of the package. Record batch v2 protects
// its body with CRC-32C; MakeTable(Castagnoli) selects the hardware
// (SSE4.2 / ARMv8) path where the CPU has one, so checksumming a megabyte
// costs tens of microseconds rather than a millisecond.
var crc32c = crc32.MakeTable(crc32.Castagnoli)

// CRC32C returns the CRC-32C (Castagnoli) checksum of b, as record batch v2
// stores it. It does not allocate.
func CRC32C(b []byte) uint32 { return crc32.Checksum(b, crc32c) }
