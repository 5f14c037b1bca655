package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedFilesUpToDate regenerates from spec/ into a temporary
// directory and compares with the committed kafka/wire/zz_*.go: it fails
// when someone edits a spec or the generator without running go generate.
func TestGeneratedFilesUpToDate(t *testing.T) {
	tmp := t.TempDir()
	if err := run("spec", tmp); err != nil {
		t.Fatal(err)
	}
	fresh, _ := filepath.Glob(filepath.Join(tmp, "zz_*.go"))
	committed, _ := filepath.Glob(filepath.Join("..", "..", "zz_*.go"))
	if len(fresh) != len(committed) {
		t.Errorf("generator writes %d files, kafka/wire has %d zz_*.go; run go generate ./kafka/wire", len(fresh), len(committed))
	}
	for _, p := range fresh {
		want, _ := os.ReadFile(p)
		got, err := os.ReadFile(filepath.Join("..", "..", filepath.Base(p)))
		if err != nil || !bytes.Equal(want, got) {
			t.Errorf("kafka/wire/%s is stale; run go generate ./kafka/wire", filepath.Base(p))
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, spec, want string
	}{
		{"no api line", "request {\n}\n", "spec must start"},
		{"bad range", "api X key=1 versions=3-1\n", "versions must be"},
		{"unknown type", "api X key=1 versions=0-1\nrequest {\n A float32\n}\nresponse {\n}\n", "unknown type"},
		{"dup tag", "api X key=1 versions=0-3 flexible=2+\nrequest {\n A int8 2+ tag=0\n B int8 2+ tag=0\n}\nresponse {\n}\n", "duplicate tag"},
		{"tag before flexible", "api X key=1 versions=0-3 flexible=2+\nrequest {\n A int8 tag=0\n}\nresponse {\n}\n", "only in flexible"},
		{"nullable int", "api X key=1 versions=0-1\nrequest {\n A int32 nullable\n}\nresponse {\n}\n", "cannot be nullable"},
		{"missing response", "api X key=1 versions=0-1\nrequest {\n}\n", "needs both"},
		{"unterminated", "api X key=1 versions=0-1\nrequest {\n A int8\n", "unexpected end"},
	}
	for _, tt := range tests {
		_, err := parseSpec("x.spec", strings.NewReader(tt.spec))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want containing %q", tt.name, err, tt.want)
		}
	}
}
