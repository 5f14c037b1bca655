package main

import (
	"context"
	"fmt"
	"time"

	kafkago "github.com/segmentio/kafka-go"
)

// createTopic creates topic on a real broker before a run, so no client is
// measured racing auto-creation (franz-go gives up after 4
// UNKNOWN_TOPIC_OR_PARTITION answers; kafka-go lost acknowledgements in
// that window). The sink needs none of this: every topic exists there.
func createTopic(brokers, topic string, partitions int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tr := &kafkago.Transport{}
	defer tr.CloseIdleConnections()
	c := &kafkago.Client{Addr: kafkago.TCP(brokers), Transport: tr}
	resp, err := c.CreateTopics(ctx, &kafkago.CreateTopicsRequest{Topics: []kafkago.TopicConfig{{
		Topic: topic, NumPartitions: partitions, ReplicationFactor: 1}}})
	if err != nil {
		return fmt.Errorf("benchall: creating %s: %w", topic, err)
	}
	if err := resp.Errors[topic]; err != nil {
		return fmt.Errorf("benchall: creating %s: %w", topic, err)
	}
	// Wait until the broker reports a leader for every partition.
	for ctx.Err() == nil {
		md, err := c.Metadata(ctx, &kafkago.MetadataRequest{Topics: []string{topic}})
		if err == nil && len(md.Topics) == 1 && md.Topics[0].Error == nil && len(md.Topics[0].Partitions) == partitions {
			ok := true
			for _, p := range md.Topics[0].Partitions {
				ok = ok && p.Leader.ID >= 0 && p.Error == nil
			}
			if ok {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("benchall: %s has no leaders after 30 s", topic)
}
