package kafka

import (
	"context"
	"errors"
	"net"
	"syscall"
	"testing"
	"time"
)

// With no broker reachable, a record fails as an unknown topic that says
// why: the dial error (it used to say only "not in metadata").
func TestUnknownTopicSaysWhyNoMetadata(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	c, err := NewClient(WithBrokers(addr), WithUnknownTopicWait(500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.ProduceSync(context.Background(), &Record{Topic: "t", Value: []byte("v")})
	var ute *UnknownTopicError
	if !errors.As(err, &ute) || !errors.Is(err, ErrUnknownTopic) {
		t.Fatalf("%v, want *UnknownTopicError", err)
	}
	if ute.Cause == nil || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("%v (cause %v), want the dial's connection refused as its cause", err, ute.Cause)
	}
}
