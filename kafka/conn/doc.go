// Package conn is gregor's connection mechanism: broker connections with
// pipelining and version negotiation (Conn), and the cluster view built on
// them (Cluster: metadata snapshots and a connection pool). It holds no
// policy: what to retry and when belongs to kafka and kafka/retry.
//
// # Goroutines
//
// Each Conn runs two goroutines from Dial until it dies or is closed:
//
//   - the writer takes every request queued since its last write and writes
//     them in as few Write calls as possible (frames under 64 KiB are copied
//     into one buffer; larger ones are written from their own), so a burst
//     of small requests costs one syscall. On a plain TCP connection a
//     large Produce frame is a small head plus its record batches,
//     referenced where the producer sealed them, and goes out with one
//     writev (gather.go; Send's lifetime rule). A small request (under 16 KiB)
//     that finds the connection idle (nothing being written or queued, no
//     response awaited) is not queued: Send writes it itself, sparing a
//     lone request (ProduceSync, metadata) the writer's wake-up;
//   - the reader reads frames through a bufio.Reader, checks each size
//     (0 < n <= MaxResponseSize) and correlation id against the oldest
//     outstanding request (Kafka answers in order), decodes the response and
//     calls the request's done callback. When the connection dies it waits
//     for the writer, then fails every outstanding request exactly once.
//
// The request timeout needs no timer per request: requests on a connection
// share one timeout and are answered in order, so the oldest outstanding
// request always has the earliest deadline, and the reader keeps the
// socket's read deadline at it. Expiry fails that request with
// ErrRequestTimeout and kills the connection, as Java does (a response that
// did not come may still come, and would then be read as the answer to the
// next request).
//
// A Cluster runs one metadata goroutine from NewCluster to Close: it fetches
// metadata on demand (coalescing triggers, at most one request per
// MetadataMinAge), every MetadataMaxAge, after failures (with backoff) and
// after a pooled connection died, and calls OnMetadata. Dials run in short
// goroutines tracked by the Cluster, so a caller that gives up does not
// cancel a dial others share.
//
// # Locks
//
// Conn has one mutex, guarding its queue, the outstanding list, the
// correlation counter, the write side's owner flag and its dead flag; it
// is never held across I/O or a callback. The MaxInFlight bound is a buffered channel used as a
// semaphore, so Send waits without the lock and can honour its ctx.
//
// Cluster has one mutex, guarding the interest set, the pool's slots and
// the Refresh waiters. Metadata snapshots are immutable and published
// through an atomic.Pointer: readers (every Produce call) take no lock;
// writers (the metadata goroutine, ApplyLeaderHint) build a copy and store
// it under the mutex so no update is lost.
//
// # Why produce traffic has its own connection
//
// Cluster.Conn hands out one connection per broker per Purpose. A produce
// connection carries up to MaxInFlight large requests, each held by the
// broker until acks=all replication completes; a metadata or
// InitProducerId request queued behind them on the same connection would
// wait for all of them (responses come in order), and so would failover
// after a leader change. On a separate control connection it is answered
// at once.
//
// # Errors
//
// A transport failure reaches each affected request once, as an *Error
// wrapping ErrConnClosed, ErrRequestTimeout or ErrDial plus the cause. *Error
// is retriable (Retriable, and it is a net.Error, which kafka/retry
// classifies as retry-and-refresh-metadata).
package conn
