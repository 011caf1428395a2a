// Package heapsample measures, for benchmarks, the peak of the live heap while the
// measured part runs: sampled every millisecond from runtime/metrics, which costs no
// stop of the world.
package heapsample

import (
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Start collects garbage, resets b's timer and samples the live heap until the returned
// function is called, which stops the timer and reports the peak as peak-heap-MiB, with
// the process's resident high-water mark (setup included: an upper bound) as
// process-peak-RSS-MiB where /proc has it.
func Start(b *testing.B) func() {
	runtime.GC()
	b.ResetTimer()
	var (
		mu   sync.Mutex
		peak uint64
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			mu.Lock()
			peak = max(peak, sample[0].Value.Uint64())
			mu.Unlock()
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() {
		b.StopTimer()
		close(done)
		wg.Wait()
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		if rss := peakRSS(); rss > 0 {
			b.ReportMetric(float64(rss)/(1<<20), "process-peak-RSS-MiB")
		}
	}
}

// peakRSS is the process's resident high-water mark (VmHWM), or 0 without /proc.
func peakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}
