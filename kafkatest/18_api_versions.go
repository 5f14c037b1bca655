package kafkatest

import (
	"regexp"
	"slices"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// ApiVersions (18): the versions of every API the cluster implements, as
// the intersection of its handlers and what kafka/wire encodes. A request at
// a version above ours is answered in handle (v0 body, UNSUPPORTED_VERSION).

func init() {
	register(wire.APIKeyApiVersions, &api{min: 0, max: 4, serve: serveAPIVersions, fail: failAPIVersions})
}

// softwarePattern is ApiVersionsRequest.SOFTWARE_NAME_VERSION_PATTERN: v3+
// requests with other client software names or versions are rejected.
var softwarePattern = regexp.MustCompile(`^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$`)

func serveAPIVersions(cn *conn, req *Request) (wire.Response, action) {
	body := req.Body.(*wire.ApiVersionsRequest)
	resp := &wire.ApiVersionsResponse{FinalizedFeaturesEpoch: -1}
	if req.Version >= 3 && (!softwarePattern.MatchString(body.ClientSoftwareName) ||
		!softwarePattern.MatchString(body.ClientSoftwareVersion)) {
		resp.ErrorCode = errInvalidRequest
		return resp, actRespond
	}
	resp.APIKeys = advertised()
	return resp, actRespond
}

func failAPIVersions(_ *Cluster, _ *Request, code int16) wire.Response {
	return &wire.ApiVersionsResponse{ErrorCode: code, FinalizedFeaturesEpoch: -1}
}

// advertised lists every implemented API with its version range, by key.
func advertised() []wire.ApiVersionsResponseAPIKey {
	keys := make([]int16, 0, len(apis))
	for k := range apis {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]wire.ApiVersionsResponseAPIKey, 0, len(keys))
	for _, k := range keys {
		if lo, hi, ok := versions(k); ok {
			out = append(out, wire.ApiVersionsResponseAPIKey{APIKey: k, MinVersion: lo, MaxVersion: hi})
		}
	}
	return out
}
