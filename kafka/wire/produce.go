package wire

// ExpectsResponse reports whether the broker answers r: with acks=0 it sends
// nothing at all, so a connection must not wait (or keep a correlation id)
// for it.
func (r *ProduceRequest) ExpectsResponse() bool { return r.Acks != 0 }
