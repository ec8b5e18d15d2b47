// Command wakeup measures how long a goroutine started for the other
// core takes to begin running while its starter keeps working: the
// hand-off that every short parallel section of nn pays (parallelParts
// starts one goroutine per extra part and runs the last part itself).
//
//	GOMAXPROCS=2 go run ./bench/wakeup [-work 100us] [-n 400]
//
// For each idle gap before the section (the other core idle for that
// long), it prints the median and 90th percentile of the delay from
// starting the goroutine to its first instruction. A delay near -work
// means the goroutine ran only once its starter waited for it: the
// section got no parallelism.
package main

import (
	"flag"
	"fmt"
	"slices"
	"sync"
	"time"
)

func main() {
	work := flag.Duration("work", 100*time.Microsecond, "the starter's own share of the section (busy)")
	n := flag.Int("n", 400, "sections per gap")
	flag.Parse()
	for _, gap := range []time.Duration{0, 200 * time.Microsecond, 2 * time.Millisecond} {
		lat := make([]time.Duration, 0, *n)
		for range *n {
			if gap > 0 {
				time.Sleep(gap)
			}
			var wg sync.WaitGroup
			var began time.Time
			start := time.Now()
			wg.Go(func() { began = time.Now() })
			for t := time.Now(); time.Since(t) < *work; {
			}
			wg.Wait()
			lat = append(lat, began.Sub(start))
		}
		slices.Sort(lat)
		fmt.Printf("gap %v, work %v: start delay median %v, p90 %v\n", gap, *work, lat[len(lat)/2], lat[len(lat)*9/10])
	}
}
