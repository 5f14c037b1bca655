package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// This file parses gregor's message spec format (see docs/wire-codegen.md).
// A spec file describes one API:
//
//	api Produce key=0 versions=3-13 flexible=9+
//	request {
//	  // Doc comment for the next field.
//	  TransactionalID string 3+ nullable default=null
//	  TopicData []Topic {
//	    Name string 0-12
//	    ...
//	  }
//	}
//	response { ... }
//
// A field line is: Name Type [Versions] [attr=value | flag ...] [{].
// '#' starts an ignored comment; '//' lines are doc comments for the field
// (or block) that follows.

// vrange is an inclusive version range; hi == math.MaxInt16 means open ("N+").
// An empty range has lo > hi.
type vrange struct{ lo, hi int16 }

var noVersions = vrange{1, 0}

func (r vrange) empty() bool      { return r.lo > r.hi }
func (r vrange) has(v int16) bool { return v >= r.lo && v <= r.hi }
func (r vrange) open() bool       { return r.hi == math.MaxInt16 }
func (r vrange) intersect(o vrange) vrange {
	return vrange{max(r.lo, o.lo), min(r.hi, o.hi)}
}

func (r vrange) String() string {
	switch {
	case r.empty():
		return "none"
	case r.open():
		return fmt.Sprintf("%d+", r.lo)
	case r.lo == r.hi:
		return strconv.Itoa(int(r.lo))
	}
	return fmt.Sprintf("%d-%d", r.lo, r.hi)
}

func parseRange(s string) (vrange, error) {
	if s == "none" {
		return noVersions, nil
	}
	if lo, ok := strings.CutSuffix(s, "+"); ok {
		n, err := strconv.ParseInt(lo, 10, 16)
		if err != nil || n < 0 {
			return noVersions, fmt.Errorf("bad version range %q", s)
		}
		return vrange{int16(n), math.MaxInt16}, nil
	}
	a, b, found := strings.Cut(s, "-")
	if !found {
		b = a
	}
	lo, err1 := strconv.ParseInt(a, 10, 16)
	hi, err2 := strconv.ParseInt(b, 10, 16)
	if err1 != nil || err2 != nil || lo < 0 || hi < lo {
		return noVersions, fmt.Errorf("bad version range %q", s)
	}
	return vrange{int16(lo), int16(hi)}, nil
}

// api is one parsed spec file.
type api struct {
	Name      string
	Key       int16
	Versions  vrange // versions our codec encodes and decodes
	Flexible  vrange // empty if never flexible
	ClientMin int16  // lowest version the client sends (defaults to Versions.lo)
	Doc       []string
	Request   *structDef
	Response  *structDef
	file      string
}

// structDef is a message body or a nested struct.
type structDef struct {
	GoName string // full Go type name, e.g. ProduceRequestTopic
	Parent string // for nested structs: "ProduceRequest.TopicData"
	Within vrange // versions in which the struct can appear
	Fields []*field
	Doc    []string
	api    *api
}

// field is one field of a struct.
type field struct {
	Name     string
	Type     string // scalar type name, or the struct's short name
	Array    bool
	Elem     *structDef // set for struct and []struct fields
	Versions vrange
	Nullable vrange // versions in which the field may be null
	Tag      int    // -1 if not tagged
	Default  string // Kafka default, as written in the spec ("" = type zero)
	Doc      []string
	line     int
}

var scalarTypes = map[string]bool{
	"int8": true, "int16": true, "int32": true, "int64": true, "uint16": true,
	"bool": true, "string": true, "bytes": true, "records": true, "uuid": true,
}

func (f *field) isStruct() bool { return f.Elem != nil }
func (f *field) tagged() bool   { return f.Tag >= 0 }

// parseSpec parses one spec file.
func parseSpec(name string, rd io.Reader) (*api, error) {
	p := &parser{file: name, sc: bufio.NewScanner(rd)}
	a, err := p.parse()
	if err != nil {
		return nil, err
	}
	a.file = name
	return a, nil
}

type parser struct {
	file string
	sc   *bufio.Scanner
	line int
	doc  []string
}

func (p *parser) errf(format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", p.file, p.line, fmt.Sprintf(format, args...))
}

// next returns the next meaningful line's tokens, collecting '//' doc lines.
func (p *parser) next() ([]string, bool) {
	for p.sc.Scan() {
		p.line++
		s := strings.TrimSpace(p.sc.Text())
		if d, ok := strings.CutPrefix(s, "//"); ok {
			p.doc = append(p.doc, strings.TrimSpace(d))
			continue
		}
		if i := strings.IndexByte(s, '#'); i >= 0 {
			s = strings.TrimSpace(s[:i])
		}
		if s == "" {
			continue
		}
		return strings.Fields(s), true
	}
	return nil, false
}

func (p *parser) takeDoc() []string {
	d := p.doc
	p.doc = nil
	return d
}

func (p *parser) parse() (*api, error) {
	toks, ok := p.next()
	if !ok || toks[0] != "api" || len(toks) < 3 {
		return nil, p.errf("spec must start with: api Name key=N versions=R [flexible=R] [clientmin=N]")
	}
	a := &api{Name: toks[1], Flexible: noVersions, ClientMin: -1, Doc: p.takeDoc()}
	haveKey, haveVersions := false, false
	for _, t := range toks[2:] {
		k, v, _ := strings.Cut(t, "=")
		switch k {
		case "key":
			n, err := strconv.ParseInt(v, 10, 16)
			if err != nil {
				return nil, p.errf("bad key %q", v)
			}
			a.Key, haveKey = int16(n), true
		case "versions":
			r, err := parseRange(v)
			if err != nil || r.open() {
				return nil, p.errf("versions must be a closed range, got %q", v)
			}
			a.Versions, haveVersions = r, true
		case "flexible":
			r, err := parseRange(v)
			if err != nil {
				return nil, p.errf("%v", err)
			}
			a.Flexible = r
		case "clientmin":
			n, err := strconv.ParseInt(v, 10, 16)
			if err != nil {
				return nil, p.errf("bad clientmin %q", v)
			}
			a.ClientMin = int16(n)
		default:
			return nil, p.errf("unknown api attribute %q", t)
		}
	}
	if !haveKey || !haveVersions {
		return nil, p.errf("api line needs key= and versions=")
	}
	if a.ClientMin < 0 {
		a.ClientMin = a.Versions.lo
	}
	if !a.Flexible.empty() && !a.Flexible.open() {
		return nil, p.errf("flexible range must be open (N+)")
	}
	for {
		toks, ok := p.next()
		if !ok {
			break
		}
		if len(toks) != 2 || toks[1] != "{" || (toks[0] != "request" && toks[0] != "response") {
			return nil, p.errf("expected 'request {' or 'response {', got %q", strings.Join(toks, " "))
		}
		suffix := "Request"
		if toks[0] == "response" {
			suffix = "Response"
		}
		s := &structDef{GoName: a.Name + suffix, Doc: p.takeDoc(), Within: a.Versions, api: a}
		if err := p.parseFields(s, a.Name+suffix, a.Versions); err != nil {
			return nil, err
		}
		if toks[0] == "request" {
			if a.Request != nil {
				return nil, p.errf("duplicate request block")
			}
			a.Request = s
		} else {
			if a.Response != nil {
				return nil, p.errf("duplicate response block")
			}
			a.Response = s
		}
	}
	if a.Request == nil || a.Response == nil {
		return nil, fmt.Errorf("%s: spec needs both a request and a response block", p.file)
	}
	return a, nil
}

// parseFields reads field lines up to the closing brace. prefix is the
// message type name that nested struct names are appended to; within is the
// version range of the enclosing field, which defaults the child ranges.
func (p *parser) parseFields(s *structDef, prefix string, within vrange) error {
	tags := map[int]bool{}
	names := map[string]bool{}
	for {
		toks, ok := p.next()
		if !ok {
			return p.errf("unexpected end of file in %s", s.GoName)
		}
		if len(toks) == 1 && toks[0] == "}" {
			return nil
		}
		f, open, err := p.parseField(toks, within)
		if err != nil {
			return err
		}
		if names[f.Name] {
			return p.errf("duplicate field %s", f.Name)
		}
		names[f.Name] = true
		if f.tagged() {
			if tags[f.Tag] {
				return p.errf("duplicate tag %d", f.Tag)
			}
			tags[f.Tag] = true
			flex := s.api.Flexible
			if f.Versions.intersect(flex) != f.Versions.intersect(s.api.Versions) {
				return p.errf("tagged field %s must exist only in flexible versions", f.Name)
			}
		}
		if open {
			f.Elem = &structDef{GoName: prefix + f.Type, Parent: s.GoName + "." + f.Name, Within: f.Versions.intersect(s.api.Versions), api: s.api}
			if err := p.parseFields(f.Elem, prefix, f.Versions); err != nil {
				return err
			}
		} else if !scalarTypes[f.Type] {
			return p.errf("unknown type %q (struct types need a { block })", f.Type)
		}
		if f.isStruct() && f.Default != "" {
			return p.errf("struct field %s cannot have a default", f.Name)
		}
		s.Fields = append(s.Fields, f)
	}
}

func (p *parser) parseField(toks []string, within vrange) (*field, bool, error) {
	if len(toks) < 2 {
		return nil, false, p.errf("field needs a name and a type")
	}
	f := &field{Name: toks[0], Versions: within, Nullable: noVersions, Tag: -1, Doc: p.takeDoc(), line: p.line}
	f.Type, f.Array = strings.CutPrefix(toks[1], "[]")
	open := false
	nullable := ""
	for i, t := range toks[2:] {
		switch {
		case t == "{":
			if i != len(toks)-3 {
				return nil, false, p.errf("'{' must end the line")
			}
			open = true
		case t[0] >= '0' && t[0] <= '9' || t == "none":
			r, err := parseRange(t)
			if err != nil {
				return nil, false, p.errf("%v", err)
			}
			f.Versions = r.intersect(within)
		case t == "nullable":
			nullable = "*"
		case strings.HasPrefix(t, "nullable="):
			nullable = t[len("nullable="):]
		case strings.HasPrefix(t, "tag="):
			n, err := strconv.Atoi(t[len("tag="):])
			if err != nil || n < 0 {
				return nil, false, p.errf("bad tag %q", t)
			}
			f.Tag = n
		case strings.HasPrefix(t, "default="):
			f.Default = t[len("default="):]
		default:
			return nil, false, p.errf("unknown field attribute %q", t)
		}
	}
	switch nullable {
	case "":
	case "*":
		f.Nullable = f.Versions
	default:
		r, err := parseRange(nullable)
		if err != nil {
			return nil, false, p.errf("%v", err)
		}
		f.Nullable = r.intersect(f.Versions)
	}
	if f.Versions.empty() {
		return nil, false, p.errf("field %s exists in no version", f.Name)
	}
	if !f.Nullable.empty() {
		switch {
		case f.Array, f.Type == "string", f.Type == "bytes", f.Type == "records":
		default:
			return nil, false, p.errf("field %s: type %s cannot be nullable", f.Name, toks[1])
		}
	}
	if f.Type == "records" && f.Nullable.empty() {
		f.Nullable = f.Versions // records are NULLABLE_BYTES on the wire
	}
	if open && f.Tag < 0 && !f.Array {
		return nil, false, p.errf("untagged struct field %s: only []struct or tagged struct supported", f.Name)
	}
	if f.Default == "null" {
		if f.Nullable.empty() {
			return nil, false, p.errf("field %s: default=null needs nullable", f.Name)
		}
		f.Default = ""
	}
	return f, open, nil
}
