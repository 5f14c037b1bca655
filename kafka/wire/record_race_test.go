//go:build race

package wire

// underRace is true with -race, where sync.Pool deliberately drops a share of
// Puts, so pooled codec state is rebuilt and allocation counts mean nothing.
const underRace = true
