package main

import (
	"bytes"
	"fmt"
	"go/format"
	"sort"
)

// emitTables returns the source of zz_apis.go: API key constants, the
// version table and the factories, for every spec.
func emitTables(apis []*api) ([]byte, error) {
	sort.Slice(apis, func(i, j int) bool { return apis[i].Key < apis[j].Key })
	var b bytes.Buffer
	p := func(format string, args ...any) {
		fmt.Fprintf(&b, format, args...)
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, header, "*.spec")
	p("import \"strconv\"")
	p("")
	p("// API keys of the messages this package implements.")
	p("const (")
	for _, a := range apis {
		p("APIKey%s int16 = %d", a.Name, a.Key)
	}
	p(")")
	p("")
	p("// Supported versions, as generated from the specs. \"codec\" is what AppendTo and")
	p("// DecodeFrom handle; \"client\" is the lowest version the client sends (the")
	p("// negotiation floor, see NegotiateVersions); \"flexible\" is the first flexible")
	p("// version (compact encodings, tagged fields, request header v2).")
	p("//")
	p("//\tAPI                  key  codec   client  flexible")
	for _, a := range apis {
		flex := "none"
		if !a.Flexible.empty() {
			flex = fmt.Sprintf("%d+", a.Flexible.lo)
		}
		p("//\t%-20s %3d  %-6s  %-6d  %s", a.Name, a.Key, a.Versions, a.ClientMin, flex)
	}
	p("var apiTable = [...]apiInfo{")
	for _, a := range apis {
		flex := int16(-1)
		if !a.Flexible.empty() {
			flex = a.Flexible.lo
		}
		p("%d: {name: %q, min: %d, max: %d, clientMin: %d, flexFrom: %d},", a.Key, a.Name, a.Versions.lo, a.Versions.hi, a.ClientMin, flex)
	}
	p("}")
	p("")
	p("// NewRequest returns an empty request for key, or nil if the key is not implemented.")
	p("func NewRequest(key int16) Request {")
	p("switch key {")
	for _, a := range apis {
		p("case %d:\nreturn new(%sRequest)", a.Key, a.Name)
	}
	p("}")
	p("return nil")
	p("}")
	p("")
	p("// NewResponse returns an empty response for key, or nil if the key is not implemented.")
	p("func NewResponse(key int16) Response {")
	p("switch key {")
	for _, a := range apis {
		p("case %d:\nreturn new(%sResponse)", a.Key, a.Name)
	}
	p("}")
	p("return nil")
	p("}")
	p("")
	p("// APIName returns Kafka's name for key (\"Produce\", \"Metadata\", ...), or")
	p("// \"ApiKey(N)\" for a key this package does not implement.")
	p("func APIName(key int16) string {")
	p("if a := lookupAPI(key); a != nil {\nreturn a.name\n}")
	p("return \"ApiKey(\" + strconv.Itoa(int(key)) + \")\"")
	p("}")
	out, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("formatting zz_apis.go: %w\n%s", err, b.Bytes())
	}
	return out, nil
}
