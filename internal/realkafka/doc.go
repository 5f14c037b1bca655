// Package realkafka starts genuine Apache Kafka brokers (KRaft, from Maven Central
// jars, no Docker) for gregor's integration tests, and stops them without fail.
//
//	c := realkafka.StartCluster(t, realkafka.WithNodes(3), realkafka.WithProxy())
//	if err := c.CreateTopic("orders", 3, 3, nil); err != nil { t.Fatal(err) }
//	leader, _ := c.Leader("orders", 0)
//	c.Kill(leader)                      // SIGKILL: a crash
//	c.Proxy(2).CutAll()                 // reset every client connection to node 2
//
// Jars come from testdata/kafka/pom-<version>.xml via scripts/kafka-libs.sh into a
// cache outside the work tree (CacheDir); Ensure assembles them on first use. Broker
// configs are rendered from testdata/kafka/server.properties.tmpl on free loopback
// ports into fresh directories. Readiness means the broker answered ApiVersions and
// its Metadata lists every running broker, not merely that a port accepts.
//
// WithSASL and WithTLS add a SASL_PLAINTEXT and an SSL listener per node next to
// the plain ones (SASLAddrs, TLSAddrs, TLSRootCAs); the harness itself keeps
// using the plain listeners.
//
// Every JVM dies with the test: t.Cleanup kills it, and on Linux Pdeathsig kills it
// even if the test binary itself is SIGKILLed (see process.go).
//
// Environment: GREGOR_KAFKA_VERSIONS picks the versions Versions() returns;
// GREGOR_SKIP_REAL_KAFKA=1 skips; CI=true or GREGOR_REAL_KAFKA=1 turns "cannot run
// here" into a test failure; GREGOR_KAFKA_CACHE moves the jar cache.
//
// The package hand-encodes the few requests it sends (protocol.go) rather than use
// kafka/wire, so it can judge the client's codec instead of depending on it.
package realkafka
