// Command sink runs the benchmark sink broker: a Kafka broker that
// acknowledges every Produce at once and stores nothing (see package
// internal/sink). It prints one line naming its Kafka and stats addresses;
// GET /stats on the stats address returns the per-topic record counts as
// JSON. It runs until SIGINT or SIGTERM.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/gregorkafka/gregor/bench/internal/sink"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "Kafka listen address (port 0 picks a free port)")
	statsAddr := flag.String("stats", "127.0.0.1:0", "HTTP address serving GET /stats")
	partitions := flag.Int("partitions", 8, "partitions per topic")
	verbose := flag.Bool("v", false, "log unexpected requests")
	flag.Parse()

	cfg := sink.Config{Addr: *addr, Partitions: *partitions}
	if *verbose {
		cfg.Logf = log.Printf
	}
	s, err := sink.Start(cfg)
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", *statsAddr)
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(s.Stats())
	})
	hs := &http.Server{Handler: mux}
	go hs.Serve(ln)
	fmt.Printf("sink kafka=%s stats=http://%s/stats partitions=%d\n", s.Addr(), ln.Addr(), *partitions)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	<-ctx.Done()
	stop()
	hs.Close()
	s.Close()
}
