package realkafka

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// SASL support: WithSASL adds a fourth listener per node, named SASL, speaking
// SASL_PLAINTEXT with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 enabled. The other
// three listeners stay unauthenticated, so the harness's own readiness checks,
// CreateTopic and Metadata keep working without credentials, and replication never
// depends on the SASL code under test.
//
// Where each user's secret lives, and why:
//   - PLAIN: as user_<name>="<password>" options of the listener's PlainLoginModule
//     JAAS entry (listener.name.sasl.plain.sasl.jaas.config). Kafka's default PLAIN
//     server callback checks passwords against exactly these options.
//   - SCRAM: in the cluster metadata log, written at format time by StorageTool
//     --add-scram (KIP-900), once per mechanism. The broker's SCRAM callback reads
//     credentials from metadata, not from JAAS, so its JAAS entry has no options.
//     Formatting them in avoids a second JVM (kafka-configs --alter) after startup.

// saslMechanisms are the mechanisms the SASL listener enables (the template's
// listener.name.sasl.sasl.enabled.mechanisms), in that order.
var saslMechanisms = []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}

// scramMechanisms get credentials at format time; PLAIN's live in JAAS.
var scramMechanisms = []string{"SCRAM-SHA-256", "SCRAM-SHA-512"}

type saslOption map[string]string

func (o saslOption) apply(c *options) {
	if c.saslUsers == nil {
		c.saslUsers = map[string]string{}
	}
	maps.Copy(c.saslUsers, o)
}

// WithSASL gives every node a fourth listener, SASL_PLAINTEXT, on its own port
// (see SASLAddrs), accepting PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 for users
// (name -> password). Repeated use adds users. Names are limited to letters,
// digits, '.', '_' and '-', passwords to printable ASCII without space, '"', '\',
// ',', '=', '[' or ']': the credentials pass through a properties file, a JAAS
// quoted string and StorageTool's --add-scram parser, and these are the characters
// all three take literally. Start rejects anything else.
//
// The SASL listener is not proxied (WithProxy covers the PLAINTEXT listener only),
// and Metadata asked on it advertises every broker's SASL address, as a client
// authenticated there needs.
func WithSASL(users map[string]string) Option { return saslOption(maps.Clone(users)) }

// SASLAddrs returns every node's SASL listener, in node order, or nil without
// WithSASL.
func (c *Cluster) SASLAddrs() []string {
	if len(c.opts.saslUsers) == 0 {
		return nil
	}
	out := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		out[i] = n.saslAddr()
	}
	return out
}

// saslAddr is node's SASL listener, "" without WithSASL.
func (n *node) saslAddr() string {
	if n.cfg.SASLPort == 0 {
		return ""
	}
	return fmt.Sprintf("127.0.0.1:%d", n.cfg.SASLPort)
}

// SASLUser is one user of the SASL listener, as the config template renders it.
type SASLUser struct{ Name, Password string }

// saslUsers validates users and returns them sorted by name, so configs and
// format arguments are deterministic.
func saslUsers(users map[string]string) ([]SASLUser, error) {
	out := make([]SASLUser, 0, len(users))
	for _, name := range slices.Sorted(maps.Keys(users)) {
		pw := users[name]
		if name == "" || strings.IndexFunc(name, badNameRune) >= 0 {
			return nil, fmt.Errorf("realkafka: SASL user name %q: want letters, digits, '.', '_' or '-'", name)
		}
		if pw == "" || strings.IndexFunc(pw, badPasswordRune) >= 0 {
			return nil, fmt.Errorf("realkafka: SASL password of %q: want printable ASCII without space, '\"', '\\', ',', '=', '[' or ']'", name)
		}
		out = append(out, SASLUser{Name: name, Password: pw})
	}
	return out, nil
}

func badNameRune(r rune) bool {
	ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
	return !ok
}

func badPasswordRune(r rune) bool {
	return r <= ' ' || r > '~' || strings.ContainsRune(`"\,=[]`, r)
}

// scramFormatArgs are StorageTool format arguments writing SCRAM-SHA-256 and
// SCRAM-SHA-512 credentials for every user into the metadata log (default 4096
// iterations, random salt). The syntax is the same on 3.9 and 4.x.
func scramFormatArgs(users []SASLUser) []string {
	var args []string
	for _, u := range users {
		for _, mech := range scramMechanisms {
			args = append(args, "--add-scram", fmt.Sprintf("%s=[name=%s,password=%s]", mech, u.Name, u.Password))
		}
	}
	return args
}
