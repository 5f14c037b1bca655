package main

import (
	"os"
	"os/exec"
	"time"
)

// resetPageCache writes dirty pages back and drops the clean page cache
// (Linux: sync, then 1 into /proc/sys/vm/drop_caches; root only) before a
// real-Kafka run, so every client's run starts from the same memory state.
// It reports whether the cache was dropped; without permission it does
// nothing and the report says so.
//
// Why: on the 2-core VMs these benchmarks run on, a few runs after the
// cache was last dropped (or the machine was idle), the broker's copies
// into page-cache pages inside write(2) became several times dearer: perf
// showed 62% of the broker's CPU in copy_folio_from_iter_atomic, and its
// request handlers' system time rose from 0.13 s to 1.01 s per 2M records
// over four consecutive runs while their user time stayed at ~0.13 s. The
// broker then held every client to about the same ~1.1M records/s, and how
// far a round was into that state decided its ratio (gregor/franz-go
// 0.6x-1.1x in the same run). The state is the machine's, not a client's:
// a page cache filled by dd(1) did not cause it, and dropping the cache
// ended it. With a drop before every round, six rounds of gregor and
// franz-go in a row ran at 2.7-3.6M and 1.8-2.4M records/s. A broker on
// real hardware copies into its page cache at memory speed; the VM's slow
// path is not what these tables compare.
func resetPageCache() bool {
	_ = exec.Command("sync").Run()
	f, err := os.OpenFile("/proc/sys/vm/drop_caches", os.O_WRONLY, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	if _, err := f.WriteString("1\n"); err != nil {
		return false
	}
	time.Sleep(200 * time.Millisecond) // let the broker's threads settle
	return true
}
