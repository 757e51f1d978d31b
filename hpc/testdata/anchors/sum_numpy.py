#!/usr/bin/python3
"""NumPy anchors for the pool benchmarks: the talk's gauss(n) and its memory rumor.

usage: sum_numpy.py n reps

  gauss:  count 0..n the NumPy way, np.ones(n + 1).sum()
  alloc:  sum n uniform random numbers drawn all at once, np.random.random(n).sum()
          (n * 8 bytes alive at once: the talk's 80 GB at n = 100000**2)
  stream: the same n numbers drawn and summed in rows of 2**16
Prints one JSON line with the median ns per element of each and the bytes the
alloc variant holds at once.  Run with Debian's /usr/bin/python3 (python3-numpy).
"""
import json, statistics, sys, time
import numpy as np

n, reps = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(1)
row = 1 << 16

def gauss():
    return np.ones(n + 1).sum()

def alloc():
    return rng.random(n).sum()

def stream():
    s = 0.0
    for lo in range(0, n, row):
        s += rng.random(min(row, n - lo)).sum()
    return s

out = {'numpy': np.__version__, 'n': n}
for name, f in (('gauss', gauss), ('alloc', alloc), ('stream', stream)):
    f()
    ts = []
    for _ in range(reps):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    out[name + '_ns_per_elem'] = statistics.median(ts) / n * 1e9
out['alloc_bytes'] = n * 8
print(json.dumps(out))
