package conn

import (
	"context"
	"fmt"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// apiVersionsMax is the ApiVersions version sent first: v4 is the newest
// stable one (v5 is trunk-only, KIP-1242) and the newest our codec speaks.
var apiVersionsMax = func() int16 {
	_, max, _ := wire.SupportedVersions(wire.APIKeyApiVersions)
	return min(max, 4)
}()

// handshake sends ApiVersions (protocol.md §1.4) and negotiates the
// versions of this connection. A broker that does not speak our
// ApiVersions version answers UNSUPPORTED_VERSION with a v0 body listing
// its own range; we retry once at the highest common version, as Java
// does. Any other error, or an error to the retry, fails the dial.
func (c *Conn) handshake(ctx context.Context) error {
	v := apiVersionsMax
	for attempt := 0; ; attempt++ {
		req := &wire.ApiVersionsRequest{ClientSoftwareName: c.cfg.SoftwareName, ClientSoftwareVersion: c.cfg.SoftwareVersion}
		resp, err := c.roundTrip(ctx, req, v)
		if err != nil {
			return err
		}
		av := resp.(*wire.ApiVersionsResponse)
		if av.ErrorCode == 0 {
			c.apiResp = av
			c.versions = wire.NegotiateVersions(av)
			return nil
		}
		if av.ErrorCode == wire.ErrUnsupportedVersion.Code && attempt == 0 && v > 0 {
			v = wire.ApiVersionsRetryVersion(av)
			c.log.Debug("conn: broker rejected our ApiVersions version; retrying lower")
			continue
		}
		return fmt.Errorf("%w: ApiVersions v%d: %w", ErrHandshake, v, wire.ErrorForCode(av.ErrorCode))
	}
}
