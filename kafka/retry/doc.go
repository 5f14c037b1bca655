// Package retry decides what happens after a failure: how long to wait
// (Backoff, KIP-580 exponential backoff with jitter), whether another
// attempt fits the budget (Policy: attempts and a deadline), and what kind
// of failure it was (Classify for any request, ClassifyProduce for the
// produce path's special cases of protocol.md §8).
//
// It holds no state and starts no goroutines: every function is a pure
// decision, so the producer, the connection layer and the metadata loop can
// share one vocabulary and tests can pin every branch. retry imports only
// kafka/wire, whose error table it interprets; kafka/conn and kafka build on
// it.
package retry
