package conn

import (
	"context"
	"crypto/tls"
	"net"
	"runtime/debug"
	"time"

	"go.uber.org/zap"

	"github.com/gregorkafka/gregor/kafka/sasl"
)

// MaxResponseSize bounds the size a response frame may announce. A larger
// (or negative) size means the peer is not speaking Kafka, or the stream is
// out of sync; the connection is killed with ErrFrameSize instead of
// allocating. 256 MiB is well above any real response (fetch.max.bytes
// defaults to 50 MiB).
const MaxResponseSize = 256 << 20

// Config configures connections. The zero value is usable: every zero
// field takes the default named in its comment.
type Config struct {
	// ClientID is sent in every request header (brokers log it and use it
	// for quotas). Default "" (sent as an empty string).
	ClientID string
	// Dial opens the TCP connection. Default: a net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// TLS enables TLS when non-nil. An empty ServerName is set to the host
	// of the address being dialled.
	TLS *tls.Config
	// DialTimeout bounds TCP connect + TLS handshake + ApiVersions.
	// Default 10s.
	DialTimeout time.Duration
	// RequestTimeout bounds each request from the moment it is queued for
	// writing until its response is read. A request that exceeds it fails
	// with ErrRequestTimeout and closes the connection (Java semantics).
	// Default 30s.
	RequestTimeout time.Duration
	// MaxInFlight bounds the requests outstanding on one connection
	// (pipelining depth). Send blocks while it is reached. Default 5.
	MaxInFlight int
	// SASL, when set, authenticates every connection after ApiVersions
	// (SaslHandshake v1, then SaslAuthenticate until the mechanism is
	// done; sasl.go). Over a connection without TLS the credentials can be
	// read by anyone on the path (PLAIN sends the password itself).
	SASL sasl.Mechanism
	// Logger receives connection events (dial, death). Default: nop.
	Logger *zap.Logger
	// SoftwareName and SoftwareVersion are sent in ApiVersions v3+; both
	// must match [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])? or the broker
	// rejects the connection. Defaults "gregor" and the module version
	// (characters outside the pattern replaced, "unknown" if none).
	SoftwareName, SoftwareVersion string

	// writeGrace is how long the reader waits for a segmented request's
	// write to finish once its response arrived (gather.go). Default
	// defaultWriteGrace; tests shorten it.
	writeGrace time.Duration
}

const (
	defaultDialTimeout    = 10 * time.Second
	defaultRequestTimeout = 30 * time.Second
	defaultMaxInFlight    = 5
)

// withDefaults returns a copy of cfg (nil allowed) with defaults filled in.
func (cfg *Config) withDefaults() Config {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = defaultDialTimeout
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = defaultRequestTimeout
	}
	if c.MaxInFlight <= 0 {
		c.MaxInFlight = defaultMaxInFlight
	}
	if c.writeGrace <= 0 {
		c.writeGrace = defaultWriteGrace
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
	if c.Dial == nil {
		var d net.Dialer
		c.Dial = d.DialContext
	}
	c.SoftwareName = sanitizeSoftware(c.SoftwareName, "gregor")
	c.SoftwareVersion = sanitizeSoftware(c.SoftwareVersion, moduleVersion())
	return c
}

// moduleVersion returns gregor's module version from the build info, as
// far as the binary knows it.
func moduleVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, d := range bi.Deps {
		if d.Path == "github.com/gregorkafka/gregor" {
			return d.Version
		}
	}
	if bi.Main.Path == "github.com/gregorkafka/gregor" && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "unknown"
}

// sanitizeSoftware makes s match the broker's pattern
// [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?: other characters become '-',
// and leading or trailing non-alphanumerics are trimmed. "(devel)" becomes
// "devel", "v1.2.3+dirty" becomes "v1.2.3-dirty".
func sanitizeSoftware(s, def string) string {
	if s == "" {
		s = def
	}
	b := []byte(s)
	for i, c := range b {
		if !isAlnum(c) && c != '-' && c != '.' {
			b[i] = '-'
		}
	}
	for len(b) > 0 && !isAlnum(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && !isAlnum(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		if def == "" || s == def {
			return "unknown"
		}
		return sanitizeSoftware(def, "")
	}
	return string(b)
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
