package kafkatest

import (
	"github.com/gregorkafka/gregor/kafka/wire"
)

// Request is a decoded request, as interceptors see it.
type Request struct {
	Broker        int32  // the broker that read it
	ClientAddr    string // the client's end of the connection it came on (host:port)
	Key           int16  // API key
	Version       int16
	CorrelationID int32
	ClientID      *string
	Body          wire.Request // *wire.ProduceRequest, *wire.MetadataRequest, ...
}

// action says what the connection does after a request was handled.
type action int8

const (
	actRespond action = iota // write the response
	actSilent                // write nothing (Produce acks=0)
	actClose                 // close the connection without answering
)

// api is the cluster's implementation of one API, registered by the file
// named after it (00_produce.go, 03_metadata.go, ...).
type api struct {
	min, max int16 // versions the handler implements (clamped to wire's at runtime)
	serve    func(cn *conn, req *Request) (wire.Response, action)
	// fail builds the response that FailNext injects: code at every error
	// field that concerns the request. nil for APIs that inject their own
	// (Produce fails per partition inside serve).
	fail func(c *Cluster, req *Request, code int16) wire.Response
}

var apis = map[int16]*api{}

func register(key int16, a *api) { apis[key] = a }

// versions returns the advertised range of key: what the handler
// implements intersected with what wire encodes.
func versions(key int16) (lo, hi int16, ok bool) {
	a := apis[key]
	if a == nil {
		return 0, 0, false
	}
	wmin, wmax, ok := wire.SupportedVersions(key)
	if !ok {
		return 0, 0, false
	}
	lo, hi = max(a.min, wmin), min(a.max, wmax)
	return lo, hi, lo <= hi
}

// handle decodes and serves one request frame, returning the encoded
// response frame.
func (cn *conn) handle(buf []byte) ([]byte, action) {
	c := cn.b.c
	r := wire.NewReader(buf)
	key, version, corr, clientID := wire.ReadRequestHeader(r)
	if !r.Ok() {
		return nil, actClose
	}
	if key >= 0 && key <= maxAPIKey {
		c.counts[key].Add(1)
	}
	lo, hi, ok := versions(key)
	if !ok {
		// Kafka cannot parse a request for an API it does not have and
		// closes the connection.
		return nil, actClose
	}
	if version < lo || version > hi {
		if key == wire.APIKeyApiVersions {
			// KIP-511: answer at v0 with our range, so the client can
			// retry at a version we speak.
			resp := &wire.ApiVersionsResponse{
				ErrorCode:              errUnsupportedVersion,
				APIKeys:                []wire.ApiVersionsResponseAPIKey{{APIKey: key, MinVersion: lo, MaxVersion: hi}},
				FinalizedFeaturesEpoch: -1,
			}
			return cn.encode(resp, 0, corr), actRespond
		}
		return nil, actClose
	}
	if !cn.admits(key) {
		// Not authenticated (or the session ended): Kafka closes the
		// connection.
		return nil, actClose
	}
	body := wire.NewRequest(key)
	body.DecodeFrom(r, version)
	if err := r.Complete(); err != nil {
		return nil, actClose
	}
	req := &Request{Broker: cn.b.id, ClientAddr: cn.client, Key: key, Version: version, CorrelationID: corr, ClientID: clientID, Body: body}

	resp, act, handled := c.intercept(req)
	if !handled {
		a := apis[key]
		code, injected := int16(0), false
		if a.fail != nil {
			code, injected = c.takeFailure(key)
		}
		if injected {
			resp, act = a.fail(c, req, code), actRespond
		} else {
			resp, act = a.serve(cn, req)
		}
	}
	if act != actRespond {
		return nil, act
	}
	if c.takeLoss(req) {
		return nil, actClose
	}
	return cn.encode(resp, version, corr), actRespond
}

// encode writes a response frame into the connection's reused buffer; the
// result is valid until the next encode.
func (cn *conn) encode(resp wire.Response, version int16, corr int32) []byte {
	cn.wbuf = wire.AppendResponse(cn.wbuf[:0], resp, version, corr)
	return cn.wbuf
}

// RequestCount returns how many requests of the API the cluster has handled,
// across all brokers, including ones it rejected or failed on purpose. A
// request held by Stall counts once the stall releases it.
func (c *Cluster) RequestCount(apiKey int16) int64 {
	if apiKey < 0 || apiKey > maxAPIKey {
		return 0
	}
	return c.counts[apiKey].Load()
}
