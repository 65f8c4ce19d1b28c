// Command probe measures Go's memory allocator from the outside, for gomem.
//
// Build: go build -o probe probe.go   (standard library only, no module needed)
// Run:   GOGC=off GOMAXPROCS=1 ./probe SUBCOMMAND < input.json > output.json
//
// Subcommands (input is one JSON document on stdin, output one JSON document on stdout):
//
//	info      {}                                  -> toolchain and GC mode of this binary
//	roundup   {"noscan": [n...], "scan": [n...]}  -> bytes reserved per request size
//	nelems    {"classes": [{size,npages,noscan}]} -> runs of address-adjacent objects
//	workload  one workload of gomem/realgo/workloads.py -> MemStats deltas per "stats" op
//
// workload output: per "stats" op, MemStats deltas from a baseline read after kept is
// preallocated, the runtime's timer heap is pre-grown (see growTimerHeap) and two
// collections ran. by_size = MemStats.BySize (classes 0..60), by_class_all = the same
// counts for all classes from runtime/metrics (key "0" = large objects), tiny_allocs =
// /gc/heap/tiny/allocs:objects; only nonzero [mallocs, frees] pairs are listed.
// Between baseline and last snapshot the probe allocates nothing but the workload.
//
// nelems: objects land in the class of elemsize "size": the request is size-8 for
// pointerful classes > 512 B (malloc header) and at most 32760 B (the small cut-off).
//
// GC mode: on go1.27 the Green Tea collector is the default; it is off only when the
// binary was built with GOEXPERIMENT containing "nogreenteagc". The probe reads the
// GOEXPERIMENT build setting recorded by the toolchain (runtime/debug.ReadBuildInfo),
// where the last mention of greenteagc / nogreenteagc wins.
//
// Errors go to stderr with exit status 2; stdout then holds nothing.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

const (
	smallMax   = 32760 // largest small request: maxSmallSize - mallocHeaderSize
	headerSize = 8     // malloc header of pointerful objects > 512 B
	headerMin  = 512   // pointerful objects larger than this carry a header
	numClasses = 68    // size classes 0..67 (0 = large objects)
)

// Sinks the compiler cannot see through: what is stored here escapes to the heap,
// so growslice and make really allocate (no stack-allocated backing stores).
var (
	sinkBytes []byte
	sinkPtrs  []*byte
)

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "probe: "+format+"\n", args...)
	os.Exit(2)
}

func readInput(v any) {
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail("reading stdin: %v", err)
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		data = []byte("{}")
	}
	if err := json.Unmarshal(data, v); err != nil {
		fail("bad JSON input: %v", err)
	}
}

func writeOutput(v any) {
	data, err := json.Marshal(v)
	if err != nil {
		fail("encoding output: %v", err)
	}
	os.Stdout.Write(append(data, '\n'))
}

// ---- info ----------------------------------------------------------------------------

func goexperiment() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, s := range bi.Settings {
		if s.Key == "GOEXPERIMENT" {
			return s.Value
		}
	}
	return ""
}

// greenTea reports whether this binary uses the Green Tea GC (default on go1.27).
func greenTea(exp string) bool {
	on := true
	for _, e := range strings.Split(exp, ",") {
		switch strings.TrimSpace(e) {
		case "greenteagc":
			on = true
		case "nogreenteagc":
			on = false
		}
	}
	return on
}

func cmdInfo() {
	exp := goexperiment()
	// Lower bucket bounds of runtime/metrics' by-size histograms (bucket i holds size
	// class i+1, bounds are class size + 1; the last bucket, +Inf, holds large objects).
	s := []metrics.Sample{{Name: "/gc/heap/allocs-by-size:bytes"}}
	metrics.Read(s)
	var buckets []float64
	if s[0].Value.Kind() == metrics.KindFloat64Histogram {
		for _, b := range s[0].Value.Float64Histogram().Buckets {
			if b < 1e18 { // drop +Inf, which JSON cannot hold
				buckets = append(buckets, b)
			}
		}
	}
	writeOutput(map[string]any{
		"go_version":      runtime.Version(),
		"goexperiment":    exp,
		"greenteagc":      greenTea(exp),
		"goos":            runtime.GOOS,
		"goarch":          runtime.GOARCH,
		"metrics_buckets": buckets,
	})
}

// ---- roundup -------------------------------------------------------------------------

// reservedNoscan is the capacity growslice gives a pointer-free slice of n bytes
// grown from nothing: the runtime's roundupsize(n, true).
func reservedNoscan(n int) int {
	sinkBytes = append([]byte(nil), make([]byte, n)...)
	c := cap(sinkBytes)
	sinkBytes = nil
	return c
}

// reservedScan is the same for a pointerful slice of n bytes (n a multiple of 8):
// roundupsize(n, false), which excludes the malloc header.
func reservedScan(n int) int {
	sinkPtrs = append([]*byte(nil), make([]*byte, n/8)...)
	c := 8 * cap(sinkPtrs)
	sinkPtrs = nil
	return c
}

func cmdRoundup() {
	var in struct {
		Noscan []int `json:"noscan"`
		Scan   []int `json:"scan"`
	}
	readInput(&in)
	out := map[string]map[string]int{"noscan": {}, "scan": {}}
	since := 0 // bytes allocated since the last collection (the collector is off)
	collectMaybe := func(n int) {
		since += 2 * n
		if since > 64<<20 {
			runtime.GC()
			since = 0
		}
	}
	for _, n := range in.Noscan {
		if n < 0 {
			fail("roundup: negative size %d", n)
		}
		out["noscan"][strconv.Itoa(n)] = reservedNoscan(n)
		collectMaybe(n)
	}
	for _, n := range in.Scan {
		if n < 0 || n%8 != 0 {
			fail("roundup: scan size %d is not a non-negative multiple of 8", n)
		}
		out["scan"][strconv.Itoa(n)] = reservedScan(n)
		collectMaybe(n)
	}
	writeOutput(out)
}

// ---- nelems --------------------------------------------------------------------------

// classRequest is the request size that lands in the class of elemsize size:
// pointerful objects > 512 B carry an 8-byte header, and no small request exceeds 32760.
func classRequest(size int, noscan bool) int {
	req := size
	if !noscan && size > headerMin {
		req = size - headerSize
	}
	if req > smallMax {
		req = smallMax
	}
	return req
}

func cmdNelems() {
	var in struct {
		Classes []struct {
			Size   int  `json:"size"`
			NPages int  `json:"npages"`
			Noscan bool `json:"noscan"`
		} `json:"classes"`
	}
	readInput(&in)
	type result struct {
		Size    int     `json:"size"`
		Noscan  bool    `json:"noscan"`
		Request int     `json:"request"`
		Count   int     `json:"count"`
		Runs    []int   `json:"runs"` // maximal runs of consecutive objects exactly Size apart
		Gaps    []int64 `json:"gaps"` // address step at each break between runs (may be < 0)
	}
	results := make([]result, 0, len(in.Classes))
	for _, c := range in.Classes {
		if c.Size <= 0 || c.NPages <= 0 || (!c.Noscan && c.Size%8 != 0) {
			fail("nelems: bad class %+v", c)
		}
		count := 3*c.NPages*8192/c.Size + 8
		req := classRequest(c.Size, c.Noscan)
		keep := make([]unsafe.Pointer, count) // preallocated: nothing else allocates below
		addr := make([]uintptr, count)
		runtime.GC()
		if c.Noscan {
			for i := range keep {
				p := unsafe.Pointer(unsafe.SliceData(make([]byte, req)))
				keep[i], addr[i] = p, uintptr(p)
			}
		} else {
			for i := range keep {
				p := unsafe.Pointer(unsafe.SliceData(make([]*byte, req/8)))
				keep[i], addr[i] = p, uintptr(p)
			}
		}
		runs, gaps := []int{}, []int64{}
		run := 1
		for i := 1; i < count; i++ {
			if d := int64(addr[i] - addr[i-1]); d == int64(c.Size) {
				run++
			} else {
				runs = append(runs, run)
				gaps = append(gaps, d)
				run = 1
			}
		}
		runs = append(runs, run)
		runtime.KeepAlive(keep)
		results = append(results, result{c.Size, c.Noscan, req, count, runs, gaps})
	}
	writeOutput(map[string]any{"results": results})
}

// ---- workload ------------------------------------------------------------------------

type op struct {
	Op     string `json:"op"`
	Size   int    `json:"size"`
	Count  int    `json:"count"`
	Noscan bool   `json:"noscan"`
	Start  int    `json:"start"`
	Step   int    `json:"step"`
	Label  string `json:"label"`
}

// snapshot is everything read at a "stats" op; all of it is preallocated.
type snapshot struct {
	ms     runtime.MemStats
	allocs [numClasses]uint64 // runtime/metrics object counts, index = size class, 0 = large
	frees  [numClasses]uint64
	tiny   uint64
}

var (
	kept    []unsafe.Pointer // the workload's live objects
	samples = []metrics.Sample{
		{Name: "/gc/heap/allocs-by-size:bytes"},
		{Name: "/gc/heap/frees-by-size:bytes"},
		{Name: "/gc/heap/tiny/allocs:objects"},
	}
)

// histToClasses copies a by-size histogram (bucket i = size class i+1, last bucket =
// large objects) into a per-class array; false if the buckets are not the size classes.
func histToClasses(h *metrics.Float64Histogram, dst *[numClasses]uint64) bool {
	if len(h.Counts) != numClasses {
		return false
	}
	dst[0] = h.Counts[numClasses-1]
	for c := 1; c < numClasses; c++ {
		dst[c] = h.Counts[c-1]
	}
	return true
}

// read fills s; ReadMemStats first, because it flushes every mcache, which makes the
// per-class counts that runtime/metrics reads complete. Neither allocates here.
func read(s *snapshot) {
	runtime.ReadMemStats(&s.ms)
	metrics.Read(samples)
	histToClasses(samples[0].Value.Float64Histogram(), &s.allocs)
	histToClasses(samples[1].Value.Float64Histogram(), &s.frees)
	s.tiny = samples[2].Value.Uint64()
}

// growTimerHeap makes the P's timer heap big enough for the runtime's own timers.
// The background scavenger arms a timer the first time it sleeps, typically after the
// first collection that frees memory; if the P's timer heap slice still had no capacity
// then, growing it is a 16-byte (size class 2) runtime allocation inside the workload.
// Sixteen short-lived function timers grow that slice once, before the baseline.
func growTimerHeap() {
	var ts [16]*time.Timer
	for i := range ts {
		ts[i] = time.AfterFunc(time.Hour, func() {})
	}
	for _, t := range ts {
		t.Stop()
	}
}

func delta(a, b uint64) int64 { return int64(a) - int64(b) }

func cmdWorkload() {
	var w struct {
		Name string `json:"name"`
		Ops  []op   `json:"ops"`
	}
	readInput(&w)
	total, nstats := 0, 0
	for _, o := range w.Ops {
		switch o.Op {
		case "alloc":
			if o.Size < 0 || o.Count < 0 || (!o.Noscan && o.Size%8 != 0) {
				fail("workload %s: bad alloc op %+v", w.Name, o)
			}
			total += o.Count
		case "drop":
			if o.Start < 0 || o.Step <= 0 {
				fail("workload %s: bad drop op %+v", w.Name, o)
			}
		case "gc":
		case "stats":
			nstats++
		default:
			fail("workload %s: unknown op %q", w.Name, o.Op)
		}
	}
	kept = make([]unsafe.Pointer, total)
	snaps := make([]snapshot, nstats+1) // [0] = baseline
	metrics.Read(samples)               // first Read allocates the histograms; later ones reuse them
	for _, s := range samples {
		if s.Value.Kind() == metrics.KindBad {
			fail("runtime/metrics has no %s", s.Name)
		}
	}
	bucketsOK := true
	for _, i := range []int{0, 1} {
		h := samples[i].Value.Float64Histogram()
		var tmp [numClasses]uint64
		bucketsOK = bucketsOK && histToClasses(h, &tmp)
	}
	growTimerHeap()
	runtime.GC()
	runtime.GC()

	// From the baseline to the last snapshot nothing allocates but the workload:
	// no fmt, no interface conversions, no appends, no maps.
	read(&snaps[0])
	n, si := 0, 1
	for i := range w.Ops {
		o := &w.Ops[i]
		switch o.Op {
		case "alloc":
			if o.Noscan {
				for j := 0; j < o.Count; j++ {
					kept[n] = unsafe.Pointer(unsafe.SliceData(make([]byte, o.Size)))
					n++
				}
			} else {
				for j := 0; j < o.Count; j++ {
					kept[n] = unsafe.Pointer(unsafe.SliceData(make([]*byte, o.Size/8)))
					n++
				}
			}
		case "drop":
			for j := o.Start; j < n; j += o.Step {
				kept[j] = nil
			}
		case "gc":
			runtime.GC()
		case "stats":
			read(&snaps[si])
			si++
		}
	}
	runtime.KeepAlive(kept)

	base := &snaps[0]
	out := make([]map[string]any, 0, nstats)
	si = 1
	for _, o := range w.Ops {
		if o.Op != "stats" {
			continue
		}
		s := &snaps[si]
		si++
		a, b := &s.ms, &base.ms
		bySize := map[string][2]int64{}
		for c := range a.BySize {
			m, f := delta(a.BySize[c].Mallocs, b.BySize[c].Mallocs), delta(a.BySize[c].Frees, b.BySize[c].Frees)
			if m != 0 || f != 0 {
				bySize[strconv.Itoa(c)] = [2]int64{m, f}
			}
		}
		snap := map[string]any{
			"label":         o.Label,
			"heap_alloc":    delta(a.HeapAlloc, b.HeapAlloc),
			"heap_inuse":    delta(a.HeapInuse, b.HeapInuse),
			"heap_idle":     delta(a.HeapIdle, b.HeapIdle),
			"heap_sys":      delta(a.HeapSys, b.HeapSys),
			"heap_released": delta(a.HeapReleased, b.HeapReleased),
			"heap_objects":  delta(a.HeapObjects, b.HeapObjects),
			"mallocs":       delta(a.Mallocs, b.Mallocs),
			"frees":         delta(a.Frees, b.Frees),
			"total_alloc":   delta(a.TotalAlloc, b.TotalAlloc),
			"num_gc":        int64(a.NumGC) - int64(b.NumGC),
			"by_size":       bySize,
		}
		if bucketsOK {
			all := map[string][2]int64{}
			for c := 0; c < numClasses; c++ {
				m, f := delta(s.allocs[c], base.allocs[c]), delta(s.frees[c], base.frees[c])
				if m != 0 || f != 0 {
					all[strconv.Itoa(c)] = [2]int64{m, f}
				}
			}
			snap["by_class_all"] = all
			snap["tiny_allocs"] = delta(s.tiny, base.tiny)
		}
		out = append(out, snap)
	}
	writeOutput(map[string]any{"name": w.Name, "snapshots": out})
}

func main() {
	debug.SetGCPercent(-1)
	runtime.GOMAXPROCS(1)
	if len(os.Args) != 2 {
		fail("usage: probe info|roundup|nelems|workload < input.json")
	}
	switch os.Args[1] {
	case "info":
		cmdInfo()
	case "roundup":
		cmdRoundup()
	case "nelems":
		cmdNelems()
	case "workload":
		cmdWorkload()
	default:
		fail("unknown subcommand %q (want info, roundup, nelems or workload)", os.Args[1])
	}
}
