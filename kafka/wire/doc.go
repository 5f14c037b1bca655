// Package wire is the Kafka protocol as bytes: primitive encoders and a
// bounds-checked Reader, request and response headers, the request and
// response messages with their version ranges, record batches (magic v2) and
// their compression codecs, and the broker error-code table.
//
// wire imports no other gregor package and knows nothing of connections,
// retries or records in flight: everything above it (conn, batch, kafka,
// kafkatest) speaks through it. Encoders are append-style (dst = AppendX(dst,
// v)) so a caller reuses one buffer per request; decoders read through a
// Reader whose sticky error makes a hostile or truncated input a typed
// *DecodeError, never a panic or an allocation larger than the input.
package wire
