// Package hpc provides the precompiled parallel primitives that gohpc
// notebook cells call: a worker pool for loop bodies (interpreted closures
// included), the threaded matrix product, and the amplitude grid locator of
// the "Debunking Myths and Rumors of High Performance Python" talk.
//
// Everything meant for cells is non-generic and takes concrete types
// ([]float64, func(i int), *mat.Dense), so that yaegi's symbol extraction
// exports it.
//
// # The pool
//
// ParallelFor, ParallelRange, ParallelSum and ParallelMap run a loop body on
// the default Pool; NewPool makes a Pool of its own with the same operations
// as methods (For, Range, Sum, Map). Workers and SetWorkers read and set the
// number of goroutines a call may use; SetWorkers(n) with n ≤ 0 means
// runtime.GOMAXPROCS(0), and it returns the previous value. The default
// Pool's count also applies to Locate and LocateExhaustive.
//
// A call splits [0, n) into contiguous chunks handed out dynamically, sized
// so that a chunk takes about a millisecond; the caller's goroutine is one
// of the workers, and no goroutine outlives the call. The pool takes no lock
// while bodies run: interpreted closures from cells are plain func values
// and run on all workers at once. Calls may be nested and made concurrently.
//
// Contracts:
//   - For calls body(i) exactly once per index, in unspecified order; bodies
//     must be safe to run concurrently on distinct indices.
//   - Range's chunks are disjoint, contiguous and cover [0, n).
//   - Sum's result does not depend on the number of workers or on
//     scheduling: [0, n) is cut into at most 16384 fixed blocks that depend
//     only on n, each summed left to right, the block sums added in order.
//   - Map returns a new slice; its input is not modified.
//   - n ≤ 0 (or an empty slice) does nothing; a nil body panics.
//
// # Panics and interrupts
//
// A panic in a body stops the call: no new chunks are handed out, running
// chunks finish, and the call panics in the caller with a *PanicError that
// names the call, the index (the chunk, for Range) and the panic value, and
// carries the worker's stack.
//
// SetContext installs the context that long calls poll between chunks; the
// notebook kernel installs each cell's context and cancels it on interrupt.
// Once it is cancelled a pool call stops within a chunk's time and panics
// with ErrInterrupted, and the locators return ErrInterrupted; an interrupt
// typically takes effect within a few milliseconds and well under 200 ms.
// SetProgress installs a ProgressFunc that long calls report to (task name,
// done, total) once per chunk after the first 100 ms, with a final report of
// done == total.
//
// # The grid locator
//
// Every event has one observed amplitude per station. A source at (x, y, z)
// with amplitude A produces, at a station at distance r,
//
//	A·exp(-B·r)/r        (B: attenuation, 1/km)
//
// and the misfit of a trial is err = Σ_s (model_s - obs_s)², summed in
// station order. The locators search a Grid of x, y, z (km, z positive down)
// and A values and return, per event, the trial of least misfit, the first
// one in x, y, z, A loop order on ties (strict <, as in the talk's code),
// and the relative misfit in percent, 100·sqrt(minErr/Σ obs²).
//
// Shapes and units: stations are in km; each Event has exactly one
// amplitude per station, in station order (ReadEvents reorders CSV columns
// to station order); an Axis has the values Start + i·Step up to Stop
// included (within 1e-9·Step); results come one per event, in event order.
//
// LocateExhaustive is the talk's five loops, with the reference arithmetic,
// parallel over blocks of grid points and batches of events. Locate gives
// the same grid point and amplitude and the same misfit (within 1e-9
// relative; in practice identical) through the matrix-product form of the
// problem: for unit model vectors ĝ (grid points × stations) and
// observations (stations × events), the best amplitude of a point is in
// closed form and its misfit is Σobs² - (ĝ·obs)², so most points and whole
// boxes of points are ruled out by a bound (the dense part of the product,
// which picks each event's starting point, runs on the GEMM engine of
// MatMul); the survivors' near-ties are
// re-evaluated with the reference arithmetic so that the first minimum
// still wins. Its memory is bounded by the grid (at most 128 MiB of model
// vectors) plus a few words per event, whatever the catalog size.
//
// Errors, never NaN: the locators return an error (prefixed "hpc: Locate:"
// or "hpc: LocateExhaustive:") for no stations, an amplitude count that
// differs from the station count, an empty or inverted axis, a
// non-positive step, NaN or Inf in any input, a negative B, an event whose
// amplitudes are all zero, a grid point on a station (r = 0), and
// amplitudes so large that the misfit would overflow. ReadStations and
// ReadEvents return errors naming the line and column of bad CSV, and of
// header columns that name no station.
//
// # Matrix products
//
// MatMul and MatMulTo multiply gonum matrices with the package's packed
// pure-Go GEMM engine on the default Pool's workers; UseBLAS makes it
// gonum's blas64 implementation. See their documentation.
package hpc
