"""%%native against the interpreter and CPython, end to end through
jupyter_client: the same float loop as a %%native function, as an
interpreted function in a cell, and in CPython (timed in a subprocess in
the same run). Prints ns per iteration, the ratios, and the compile
latency of the %%native cell (warm build cache: the kernel warms it at start).

usage: bench_native.py [--n 2000000]
"""
import argparse
import re
import subprocess
import time

from gohpc_e2e import error_of, execute, start_kernel, stdout_of, stop_kernel

LOOP = """func %s(n int) float64 {
	s := 0.0
	for i := 0; i < n; i++ {
		x := float64(i)
		s += x * x / (x + 1)
	}
	return s
}"""

CPYTHON = """
import time
def f(n):
    s = 0.0
    for i in range(n):
        x = float(i)
        s += x * x / (x + 1)
    return s
n = %d
best = min((lambda t: (f(n), time.perf_counter() - t)[1])(time.perf_counter()) for _ in range(3))
print(best / n * 1e9)
"""


def run(kc, code, timeout=300):
    reply, msgs = execute(kc, code, timeout=timeout)
    if reply["status"] != "ok":
        raise SystemExit(f"{code!r} failed: {error_of(msgs)}")
    return stdout_of(msgs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2_000_000)
    n = ap.parse_args().n
    km, kc = start_kernel()
    try:
        time.sleep(3)  # let the kernel's build-cache warm-up finish
        t0 = time.perf_counter()
        out = run(kc, "%%native\n" + LOOP % "NativeLoop")
        compile_s = time.perf_counter() - t0
        run(kc, LOOP % "interpLoop")
        if abs(float(run(kc, f"fmt.Println(NativeLoop({n}) - interpLoop({n}))"))) > 1e-6 * n:
            raise SystemExit("native and interpreted loops disagree")
        native = run(kc, f"t := %timeit -q -o -r 5 NativeLoop({n})\nfmt.Println(t.Best)")
        interp = run(kc, f"t2 := %timeit -q -o -n 1 -r 3 interpLoop({n})\nfmt.Println(t2.Best)")
    finally:
        stop_kernel(km, kc)
    cpython = subprocess.run(["/usr/bin/python3", "-c", CPYTHON % n], capture_output=True, text=True, check=True)
    ns = {"native": float(native.split()[-1]) / n * 1e9, "interpreted": float(interp.split()[-1]) / n * 1e9,
          "cpython": float(cpython.stdout.split()[-1])}
    said = re.search(r"compiled in [^\n]*", out)
    print(f"%%native compile (warm cache): {compile_s:.2f} s round trip; kernel says: {said.group(0) if said else out.strip()}")
    for k, v in ns.items():
        print(f"{k:<12} {v:8.2f} ns/iter")
    print(f"\nratios: native vs interpreted {ns['interpreted'] / ns['native']:.0f}×, "
          f"native vs CPython {ns['cpython'] / ns['native']:.0f}×, interpreted vs CPython {ns['cpython'] / ns['interpreted']:.2f}×")


if __name__ == "__main__":
    main()
