// Command gobench times the real runtime on the cases gomem's benchmark times the model on.
//
// Input (stdin): {"cases": [{"name": "...", "kind": "malloc"|"gc", "size": N, "noscan": bool, "live": N}]}
// Output (stdout): {"go_version": "...", "ns_per_op": {"<name>": float, ...}}
//
// malloc cases allocate one object per iteration (make([]byte, size) or
// make([]*byte, size/8)) and keep the last 1024 alive, with the collector on, as a
// program would run; gc cases keep "live" pointerful 64-byte objects and time runtime.GC().
package main

import (
	"encoding/json"
	"os"
	"runtime"
	"testing"
	"time"
	"unsafe"
)

type benchCase struct {
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Size   int    `json:"size"`
	Noscan bool   `json:"noscan"`
	Live   int    `json:"live"`
}

var sink [1024]unsafe.Pointer

func mallocNs(size int, noscan bool) float64 {
	r := testing.Benchmark(func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if noscan {
				sink[i&1023] = unsafe.Pointer(unsafe.SliceData(make([]byte, size)))
			} else {
				sink[i&1023] = unsafe.Pointer(unsafe.SliceData(make([]*byte, size/8)))
			}
		}
	})
	return float64(r.T.Nanoseconds()) / float64(r.N)
}

func gcNs(live int) float64 {
	keep := make([]unsafe.Pointer, live)
	for i := range keep {
		keep[i] = unsafe.Pointer(unsafe.SliceData(make([]*byte, 8)))
	}
	runtime.GC()
	const rounds = 5
	start := time.Now()
	for i := 0; i < rounds; i++ {
		runtime.GC()
	}
	ns := float64(time.Since(start).Nanoseconds()) / rounds
	runtime.KeepAlive(keep)
	return ns
}

func main() {
	var in struct {
		Cases []benchCase `json:"cases"`
	}
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		os.Stderr.WriteString("gobench: bad input: " + err.Error() + "\n")
		os.Exit(2)
	}
	out := map[string]float64{}
	for _, c := range in.Cases {
		switch c.Kind {
		case "malloc":
			out[c.Name] = mallocNs(c.Size, c.Noscan)
		case "gc":
			out[c.Name] = gcNs(c.Live)
		}
	}
	json.NewEncoder(os.Stdout).Encode(map[string]any{"go_version": runtime.Version(), "ns_per_op": out})
}
