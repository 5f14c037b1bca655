//go:build noconfluent

package clients

func init() {
	unavailable["confluent"] = "built with -tags noconfluent (cgo/librdkafka build failed or was disabled)"
}
