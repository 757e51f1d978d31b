#!/usr/bin/python3
"""Regenerate the locator golden files from the anchor implementations.

usage: make_golden.py [ANCHOR_DIR]   (default: the copies in anchors/ next to this script)

Runs ANCHOR_DIR/anchor_locator.py --locations on the dataset copy in this
directory with several implementations per grid, checks that they agree
(same x, y, z, A on every event; misfits within 1e-12 relative) and writes
locations_<grid>.json from the first (reference) implementation:
  workshop: pure (the talk's code), checked against numba and smart
  large:    numba (the talk's loops, compiled), checked against smart
Needs Debian's /usr/bin/python3 with python3-numpy and python3-numba.
"""
import json, os, subprocess, sys

here = os.path.dirname(os.path.abspath(__file__))
anchor = os.path.join(sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, 'anchors'),
                      'anchor_locator.py')
data = os.path.join(here, 'dataset.json')
plan = {'workshop': ['pure', 'numba', 'smart'], 'large': ['numba', 'smart']}

for grid, impls in plan.items():
    runs = {}
    for impl in impls:
        out = subprocess.run(['/usr/bin/python3', anchor, '--impl', impl, '--grid', grid,
                              '--data', data, '--locations'],
                             check=True, capture_output=True, text=True).stdout
        runs[impl] = json.loads(out)['locations']
        print(grid, impl, 'done', file=sys.stderr)
    ref = runs[impls[0]]
    for impl in impls[1:]:
        for a, b in zip(ref, runs[impl]):
            assert a[:5] == b[:5], (grid, impl, a, b)
            assert abs(a[5] - b[5]) <= 1e-12 * abs(a[5]), (grid, impl, a, b)
    doc = {
        'grid': grid,
        'reference': impls[0],
        'checked_against': impls[1:],
        'columns': ['event', 'x', 'y', 'z', 'A', 'misfit_percent'],
        'locations': ref,
    }
    with open(os.path.join(here, 'locations_%s.json' % grid), 'w') as f:
        json.dump(doc, f, indent=0)
        f.write('\n')
    print('wrote locations_%s.json' % grid, file=sys.stderr)
