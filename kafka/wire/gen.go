package wire

// The request and response messages (zz_*.go) are generated from the specs in
// internal/gen/spec; see docs/wire-codegen.md. After editing a spec run
// `go generate ./kafka/wire`; TestGeneratedFilesUpToDate in internal/gen fails
// while the committed output is stale.

//go:generate go run ./internal/gen -spec internal/gen/spec -out .
