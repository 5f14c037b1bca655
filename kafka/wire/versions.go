package wire

import "fmt"

// Version negotiation (protocol.md §1.4, §2.2).
//
// After connecting, a client sends ApiVersions and, per API, uses the highest
// version both sides support. Our side of that intersection is
// [client floor, codec max] from the generated table (zz_apis.go). The floors
// follow KIP-896, which removed old versions in Kafka 4.0, and reach every
// broker from 2.1 on:
//
//	Produce     >= 3  (message format v2 only; a 4.x broker still advertises
//	                   min 0 because of KAFKA-18659 but rejects v0-2, so its
//	                   "min 0" is never taken at face value)
//	Fetch       >= 4
//	ListOffsets >= 1
//	Metadata    >= 1  (decoded from 0; v0 cannot ask for "no topics")
//	CreateTopics >= 2
//
// Versions are per connection: a reconnect may reach an upgraded broker, so
// negotiate again after every ApiVersions exchange.

// UnsupportedVersionError reports that the broker and this client share no
// version of an API. BrokerMin and BrokerMax are -1 when the broker did not
// list the API at all.
type UnsupportedVersionError struct {
	Key                  int16
	BrokerMin, BrokerMax int16
	OurMin, OurMax       int16
}

func (e *UnsupportedVersionError) Error() string {
	if e.BrokerMin < 0 && e.BrokerMax < 0 {
		return fmt.Sprintf("wire: broker does not support %s (key %d) at all; client needs versions %d-%d",
			APIName(e.Key), e.Key, e.OurMin, e.OurMax)
	}
	return fmt.Sprintf("wire: no common version of %s (key %d): broker supports %d-%d, client needs %d-%d",
		APIName(e.Key), e.Key, e.BrokerMin, e.BrokerMax, e.OurMin, e.OurMax)
}

type brokerRange struct {
	min, max int16
	listed   bool
}

// Versions is the result of negotiating with one broker connection: for each
// API this package implements, the version to use, if any. The zero value
// supports nothing.
type Versions struct {
	use    [len(apiTable)]int16 // 0 = unset; stored as version+1
	broker [len(apiTable)]brokerRange
}

// NegotiateVersions intersects the broker's ApiVersionsResponse with our
// supported ranges. APIs without overlap are simply absent (Get reports
// false, Require explains why); an ApiVersionsResponse carrying an error code
// should be handled before calling this (see ApiVersionsRetryVersion).
func NegotiateVersions(resp *ApiVersionsResponse) *Versions {
	vs := new(Versions)
	for _, k := range resp.APIKeys {
		a := lookupAPI(k.APIKey)
		if a == nil {
			continue
		}
		vs.broker[k.APIKey] = brokerRange{min: k.MinVersion, max: k.MaxVersion, listed: true}
		lo := max(a.clientMin, k.MinVersion)
		hi := min(a.max, k.MaxVersion)
		if lo <= hi {
			vs.use[k.APIKey] = hi + 1
		}
	}
	return vs
}

// Get returns the version to use for key, and false if the broker and this
// client share none (or the key is not implemented here).
func (vs *Versions) Get(key int16) (int16, bool) {
	if key < 0 || int(key) >= len(vs.use) || vs.use[key] == 0 {
		return 0, false
	}
	return vs.use[key] - 1, true
}

// GetAtMost is Get capped at limit, still within the common range: the
// producer uses it for Produce <= 11 under transactions V1
// (LAST_STABLE_VERSION_BEFORE_TRANSACTION_V2) and <= 12 while it lacks topic
// IDs (v13 names topics by ID). It reports false if the cap falls below the
// common range.
func (vs *Versions) GetAtMost(key, limit int16) (int16, bool) {
	v, ok := vs.Get(key)
	if !ok {
		return 0, false
	}
	if v <= limit {
		return v, true
	}
	if limit < max(lookupAPI(key).clientMin, vs.broker[key].min) {
		return 0, false
	}
	return limit, true
}

// Require is Get with an explanation: when there is no common version it
// returns an *UnsupportedVersionError naming both ranges.
func (vs *Versions) Require(key int16) (int16, error) {
	if v, ok := vs.Get(key); ok {
		return v, nil
	}
	e := &UnsupportedVersionError{Key: key, BrokerMin: -1, BrokerMax: -1, OurMin: -1, OurMax: -1}
	if a := lookupAPI(key); a != nil {
		e.OurMin, e.OurMax = a.clientMin, a.max
		if b := vs.broker[key]; b.listed {
			e.BrokerMin, e.BrokerMax = b.min, b.max
		}
	}
	return 0, e
}

// Broker returns the range the broker advertised for key, if it listed it
// and this package implements it.
func (vs *Versions) Broker(key int16) (min, max int16, ok bool) {
	if key < 0 || int(key) >= len(vs.broker) || !vs.broker[key].listed {
		return 0, 0, false
	}
	b := vs.broker[key]
	return b.min, b.max, true
}

// ApiVersionsRetryVersion returns the version to retry ApiVersions with after
// the broker answered UNSUPPORTED_VERSION (35) to a newer one: such a broker
// sends a v0 body whose APIKeys hold its own ApiVersions range (KIP-511).
// Like the Java client it takes the highest common version, and 0 when the
// broker's range is missing.
func ApiVersionsRetryVersion(resp *ApiVersionsResponse) int16 {
	a := lookupAPI(APIKeyApiVersions)
	for _, k := range resp.APIKeys {
		if k.APIKey == APIKeyApiVersions {
			if v := min(a.max, k.MaxVersion); v >= 0 {
				return v
			}
		}
	}
	return 0
}
