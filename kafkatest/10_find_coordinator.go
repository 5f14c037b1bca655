package kafkatest

import (
	"hash/fnv"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// FindCoordinator (10): the coordinator of a group or transactional id is
// the broker the key hashes to, so it is stable for a key and spread over
// the brokers. Groups and transactions themselves are not implemented; the
// API exists so clients that look coordinators up can be tested.

func init() {
	register(wire.APIKeyFindCoordinator, &api{min: 0, max: 6, serve: serveFindCoordinator, fail: failFindCoordinator})
}

const (
	keyTypeGroup       = 0
	keyTypeTransaction = 1
)

func serveFindCoordinator(cn *conn, req *Request) (wire.Response, action) {
	c := cn.b.c
	body := req.Body.(*wire.FindCoordinatorRequest)
	find := func(key string) (wire.FindCoordinatorResponseCoordinator, int16) {
		co := wire.FindCoordinatorResponseCoordinator{Key: key, NodeID: -1, Port: -1}
		switch {
		case req.Version >= 1 && body.KeyType != keyTypeGroup && body.KeyType != keyTypeTransaction:
			return co, errInvalidRequest
		case key == "" && body.KeyType == keyTypeTransaction:
			return co, errInvalidRequest
		}
		h := fnv.New32a()
		h.Write([]byte(key))
		e := c.endpoint(int32(h.Sum32() % uint32(len(c.brokers))))
		co.NodeID, co.Host, co.Port = e.id, e.host, e.port
		return co, errNone
	}
	resp := &wire.FindCoordinatorResponse{}
	if req.Version < 4 {
		co, code := find(body.CoordinatorKey)
		resp.ErrorCode, resp.NodeID, resp.Host, resp.Port = code, co.NodeID, co.Host, co.Port
		return resp, actRespond
	}
	for _, k := range body.CoordinatorKeys {
		co, code := find(k)
		co.ErrorCode = code
		resp.Coordinators = append(resp.Coordinators, co)
	}
	return resp, actRespond
}

func failFindCoordinator(_ *Cluster, req *Request, code int16) wire.Response {
	body := req.Body.(*wire.FindCoordinatorRequest)
	resp := &wire.FindCoordinatorResponse{ErrorCode: code, NodeID: -1, Port: -1}
	if req.Version >= 4 {
		resp.ErrorCode = 0
		for _, k := range body.CoordinatorKeys {
			resp.Coordinators = append(resp.Coordinators, wire.FindCoordinatorResponseCoordinator{Key: k, NodeID: -1, Port: -1, ErrorCode: code})
		}
	}
	return resp
}
