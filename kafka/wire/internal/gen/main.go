// Command gen generates kafka/wire's request and response messages from the
// specs in spec/*.spec (gregor's own format, described in
// docs/wire-codegen.md). It writes one zz_<api>.go per spec and zz_apis.go
// with the API key constants and version tables.
//
// Run it with go generate in kafka/wire (see gen.go there):
//
//	go run ./internal/gen -spec internal/gen/spec -out .
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	specDir := flag.String("spec", "internal/gen/spec", "directory of *.spec files")
	outDir := flag.String("out", ".", "directory to write zz_*.go into")
	flag.Parse()
	if err := run(*specDir, *outDir); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// generate parses every spec in specDir and returns the generated files by name.
func generate(specDir string) (map[string][]byte, error) {
	paths, err := filepath.Glob(filepath.Join(specDir, "*.spec"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no *.spec files in %s", specDir)
	}
	sort.Strings(paths)
	files := map[string][]byte{}
	var apis []*api
	keys := map[int16]string{}
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		a, err := parseSpec(filepath.Base(path), f)
		f.Close()
		if err != nil {
			return nil, err
		}
		if other, dup := keys[a.Key]; dup {
			return nil, fmt.Errorf("%s: key %d already used by %s", path, a.Key, other)
		}
		keys[a.Key] = a.Name
		src, err := emitAPI(a)
		if err != nil {
			return nil, err
		}
		files["zz_"+strings.ToLower(a.Name)+".go"] = src
		apis = append(apis, a)
	}
	src, err := emitTables(apis)
	if err != nil {
		return nil, err
	}
	files["zz_apis.go"] = src
	return files, nil
}

// run generates into outDir, removing zz_*.go files no spec produces.
func run(specDir, outDir string) error {
	files, err := generate(specDir)
	if err != nil {
		return err
	}
	old, _ := filepath.Glob(filepath.Join(outDir, "zz_*.go"))
	for _, p := range old {
		if _, keep := files[filepath.Base(p)]; !keep {
			if err := os.Remove(p); err != nil {
				return err
			}
		}
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(outDir, name), src, 0o644); err != nil {
			return err
		}
	}
	return nil
}
