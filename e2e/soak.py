#!/usr/bin/python3
"""Soak: N executes through jupyter_client against the installed gohpc
kernel (issue 7, item 3).

A mix of cells a notebook session sends (redeclared variables, functions,
printing, results, the odd panic and magic) runs one at a time. After a
warm-up, every block of executes reports the p50 and p99 execute round trip
(execute_request sent → shell reply and IOPub idle received), the kernel's
RSS (VmRSS of its process), its goroutine count (runtime.NumGoroutine() in a
silent cell: cells run in the kernel's process) and its OS threads.

It exits 1 when a bound fails: RSS growth after warm-up, goroutine growth,
or the last block's p99 against the first measured block's.

    JUPYTER_PATH=.e2e/share/jupyter GOHPC_NO_WARM=1 /usr/bin/python3 e2e/soak.py [--n 10000]
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gohpc_e2e import execute, start_kernel, stop_kernel  # noqa: E402
from hardening_util import goroutines, kernel_pid, live_heap_mb, percentile, rss_mb, threads  # noqa: E402


def cell(i):
    """The i-th cell of the mix, and whether it should fail."""
    k = i % 20
    if k == 0:
        return f"func soakF{i % 37}(x int) int {{ return x*{i % 7} + {i} }}", False
    if k == 1:
        return f"soakF{(i - 1) % 37}({i})", False
    if k == 2:
        return f'fmt.Println("soak line", {i}, strings.Repeat("=", {i % 60}))', False
    if k == 3:
        return f"type soakT{i % 11} struct{{ A, B int }}\nsoakT{i % 11}{{{i}, {i + 1}}}", False
    if k == 4:
        return f"sl{i % 13} := make([]float64, {1000 + i % 1000})\nlen(sl{i % 13})", False
    if k == 5:
        return f"soakM := map[string]int{{\"a\": {i}}}\nsoakM[\"b\"] = {i}\nlen(soakM)", False
    if k == 6 and i % 100 == 6:
        return f'panic("soak panic {i}")', True
    if k == 7 and i % 200 == 7:
        return "%time s := 0\nfor j := 0; j < 1000; j++ { s += j }", False
    if k == 8:
        return f'var soakE error = fmt.Errorf("e%d", {i})\nsoakE', False
    if k == 9:
        return f"soakS := 0\nfor j := 0; j < {100 + i % 200}; j++ {{ soakS += j }}\nsoakS", False
    return f"v{i % 50} := {i}\nv{i % 50} * 2", False


def run(kc, pid, n, warmup, block, out=sys.stdout, progress=True):
    """Runs n executes; returns the rows of the table (one per block after
    warm-up, plus the warm-up row first)."""
    rows = []
    lat = []
    failures = []
    t_start = time.monotonic()
    for i in range(n):
        code, want_error = cell(i)
        t0 = time.monotonic()
        reply, msgs = execute(kc, code, timeout=60)
        lat.append(time.monotonic() - t0)
        if (reply["status"] == "error") != want_error:
            failures.append((i, code, reply.get("evalue", reply["status"])))
        done = i + 1
        if done == warmup or (done > warmup and (done - warmup) % block == 0) or done == n:
            row = {
                "upto": done,
                "n": len(lat),
                "p50": percentile(lat, 50) * 1e3,
                "p99": percentile(lat, 99) * 1e3,
                "max": max(lat) * 1e3,
                "rss": rss_mb(pid),
                "heap": live_heap_mb(kc),
                "goroutines": goroutines(kc),
                "threads": threads(pid),
                "elapsed": time.monotonic() - t_start,
            }
            rows.append(row)
            lat = []
            if progress:
                print(format_row(row, rows[0]), file=out, flush=True)
    return rows, failures


HEADER = (f"{'executes':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'RSS MiB':>8} "
          f"{'ΔRSS':>7} {'heap MiB':>8} {'gorout.':>8} {'threads':>8} {'elapsed':>8}")


def format_row(row, base):
    return (f"{row['upto']:>9} {row['p50']:>8.2f} {row['p99']:>8.2f} {row['max']:>8.1f} "
            f"{row['rss']:>8.1f} {row['rss'] - base['rss']:>+7.1f} {row['heap']:>8.1f} {row['goroutines']:>8} "
            f"{row['threads']:>8} {row['elapsed']:>7.1f}s")


def judge(rows, rss_growth_mb, goroutine_growth, p99_ratio, p99_slack_ms=5.0):
    """Checks the bounds; returns (summary lines, list of failed bounds)."""
    base, measured = rows[0], rows[1:]
    if not measured:
        return ["no block after warm-up"], ["no block after warm-up"]
    last = measured[-1]
    growth = last["rss"] - base["rss"]
    peak = max(r["rss"] for r in measured) - base["rss"]
    g_growth = last["goroutines"] - base["goroutines"]
    executes = last["upto"] - base["upto"]
    heap_growth = last["heap"] - base["heap"]
    first_p99, last_p99 = measured[0]["p99"], last["p99"]
    p99s = [r["p99"] for r in measured]
    lines = [
        f"RSS after warm-up {base['rss']:.1f} MiB, at the end {last['rss']:.1f} MiB: "
        f"growth {growth:+.1f} MiB (peak {peak:+.1f} MiB; bound {rss_growth_mb} MiB), "
        f"{growth * 1024 / executes:+.1f} KiB per execute",
        f"live heap after GC {base['heap']:.1f} → {last['heap']:.1f} MiB: "
        f"{heap_growth * 1024 / executes:+.2f} KiB per execute",
        f"goroutines {base['goroutines']} → {last['goroutines']} ({g_growth:+d}; bound {goroutine_growth}), "
        f"threads {base['threads']} → {last['threads']}",
        f"p99 per block {min(p99s):.2f}–{max(p99s):.2f} ms; first {first_p99:.2f} ms, last {last_p99:.2f} ms "
        f"(bound: last ≤ {p99_ratio}× first + {p99_slack_ms} ms)",
    ]
    failed = []
    if growth > rss_growth_mb:
        failed.append(f"RSS grew {growth:.1f} MiB after warm-up (bound {rss_growth_mb})")
    if g_growth > goroutine_growth:
        failed.append(f"goroutines grew by {g_growth} (bound {goroutine_growth})")
    if last_p99 > p99_ratio * first_p99 + p99_slack_ms:
        failed.append(f"p99 went from {first_p99:.2f} to {last_p99:.2f} ms")
    return lines, failed


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10_000, help="executes in all (default 10000)")
    ap.add_argument("--warmup", type=int, default=1000, help="executes before the baseline (default 1000)")
    ap.add_argument("--block", type=int, default=1000, help="executes per reported block (default 1000)")
    ap.add_argument("--rss-growth-mb", type=float, default=20, help="bound on RSS growth after warm-up (20)")
    ap.add_argument("--goroutine-growth", type=int, default=5, help="bound on goroutine growth (5)")
    ap.add_argument("--p99-ratio", type=float, default=2.0, help="bound on last/first block p99 (2)")
    args = ap.parse_args(argv)
    if args.n <= args.warmup:
        ap.error("--n must exceed --warmup")

    km, kc = start_kernel()
    try:
        pid = kernel_pid(km)
        print(f"gohpc kernel pid {pid}; {args.n} executes, warm-up {args.warmup}, blocks of {args.block}",
              flush=True)
        print(HEADER, flush=True)
        rows, failures = run(kc, pid, args.n, args.warmup, args.block)
    finally:
        stop_kernel(km, kc)
    lines, failed = judge(rows, args.rss_growth_mb, args.goroutine_growth, args.p99_ratio)
    if failures:
        failed.append(f"{len(failures)} cells had an unexpected status, first: {failures[0]}")
    print()
    for line in lines:
        print(line)
    print("PASS" if not failed else "FAIL: " + "; ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
