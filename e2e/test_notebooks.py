"""Every notebook in notebooks/ executed two ways: with nbclient against the
installed kernel (as Jupyter would), and headless with `gohpc run`; key
outputs checked by cell id."""
import glob
import json
import os
import re
import subprocess
import tempfile
import unittest

import nbformat
from nbclient import NotebookClient

from gohpc_e2e import KERNEL_NAME

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTEBOOKS = sorted(glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb")))
GOHPC = os.environ.get("GOHPC", os.path.join(ROOT, "bin", "gohpc"))


def text(cell, mime="text/plain"):
    """All text a cell showed: streams, results and displays of one MIME type."""
    parts = []
    for o in cell.get("outputs", []):
        if o["output_type"] == "stream":
            parts.append(o["text"])
        elif o["output_type"] in ("execute_result", "display_data") and mime in o["data"]:
            parts.append(o["data"][mime])
        elif o["output_type"] == "error":
            parts.append(o["ename"] + ": " + o["evalue"])
    return "".join(parts)


def has_mime(cell, mime):
    return any(mime in o.get("data", {}) for o in cell.get("outputs", []))


def result(cell):
    for o in cell.get("outputs", []):
        if o["output_type"] == "execute_result":
            return o["data"]["text/plain"]
    return None


# Checks by notebook file name and cell id: each a function of the cell
# raising AssertionError (through the test case) when the output is wrong.
# Speed-ups are checked for being reported, not for their size: on a shared
# machine a timing is noise, and the speed goals live in make bench-hpc and
# bench-matmul, which measure them against their anchors.
CHECKS = {
    "00-tour.ipynb": {
        "answer": lambda t, c: t.assertEqual(result(c), "42"),
        "norm": lambda t, c: t.assertEqual(result(c), "5"),
        "redeclare": lambda t, c: t.assertRegex(result(c), r"1.*2.*3"),
        "modern": lambda t, c: (t.assertIn("go gogo gogogo", text(c)), t.assertEqual(result(c), "3")),
        "stream": lambda t, c: t.assertEqual(text(c), "step 1\nstep 2\nstep 3\n"),
        "goroutines": lambda t, c: t.assertEqual(result(c), "[0 1 4 9 16 25 36 49]"),
        "panic": lambda t, c: t.assertIn("not positive: -1", text(c)),
        "survived": lambda t, c: t.assertEqual(result(c), "42"),
    },
    "01-interpreted-vs-native.ipynb": {
        "gauss": lambda t, c: t.assertEqual(result(c), "1000001"),
        "timeit-gauss": lambda t, c: t.assertRegex(text(c), r"per loop \(mean ± std\. dev\. of 5 runs, 5 loops each\)"),
        "timeit-native": lambda t, c: t.assertRegex(text(c), r"per loop \(mean ± std\. dev\. of 7 runs, [\d,]+ loops? each\)"),
        "per-iteration": lambda t, c: t.assertRegex(text(c), r"interpreted gauss: \d+\.\d ns per iteration"),
        "dot": lambda t, c: t.assertEqual(result(c), "true"),
        "ratio": lambda t, c: t.assertGreater(number(text(c), r"native is (\d+)× faster"), 0),
    },
    "02-threads-without-a-gil.ipynb": {
        "parallel-gauss": lambda t, c: (t.assertIn("Wall time:", text(c)),
                                        t.assertEqual(result(c), "[" + " ".join(["500001"] * 8) + "]")),
        "scaling-gauss": lambda t, c: t.assertTrue(has_mime(c, "image/png"), "no speed-up chart"),
        "speedup-gauss": lambda t, c: t.assertGreater(number(text(c), r"closures: ([\d.]+)× faster"), 0),
        "matmul-timeit": lambda t, c: t.assertRegex(text(c), r"[\d.]+ GFLOP/s"),
        "scaling-matmul": lambda t, c: t.assertTrue(has_mime(c, "image/png"), "no speed-up chart"),
        "speedup-matmul": lambda t, c: t.assertGreater(number(text(c), r"matmul: ([\d.]+)× faster"), 0),
        "gonum-mul": lambda t, c: t.assertEqual(result(c), "true"),
    },
    "03-memory.ipynb": {
        "allocate": lambda t, c: (t.assertIn("Wall time:", text(c)),
                                  t.assertAlmostEqual(float(result(c)) / 2e6, 1, delta=0.01)),
        "stream": lambda t, c: t.assertAlmostEqual(float(result(c)) / 2e6, 1, delta=0.01),
        "compare": lambda t, c: (t.assertTrue(has_mime(c, "text/html"), "no table"),
                                 t.assertIn("stream rows on all workers", text(c))),
    },
    "04-grid-locator.ipynb": {
        "load": lambda t, c: t.assertIn("8 stations, 256 events", text(c)),
        "talk-loop": lambda t, c: t.assertIn("Wall time:", text(c)),
        "agree": lambda t, c: t.assertIn("agree: 260 of 260 locations identical", text(c)),
        "large": lambda t, c: t.assertIn("Wall time:", text(c)),
        "map": lambda t, c: t.assertTrue(has_mime(c, "image/png"), "no map"),
    },
    "05-scale-out.ipynb": {
        "load": lambda t, c: t.assertIn("8 stations, 10000 events", text(c)),
        "mpi-agree": lambda t, c: t.assertIn("agree: true", text(c)),
        "timing": lambda t, c: t.assertTrue(has_mime(c, "text/html"), "no timing table"),
    },
}


def number(s, pattern):
    """The float captured by pattern in s (fails the test through ValueError if absent)."""
    m = re.search(pattern, s)
    if not m:
        raise AssertionError(f"{pattern!r} not found in {s!r}")
    return float(m.group(1))


class NotebookTests(unittest.TestCase):
    def check(self, name, nb):
        cells = {c.get("id"): c for c in nb.cells}
        for cell in nb.cells:
            if cell.cell_type != "code" or "raises-exception" in cell.metadata.get("tags", []):
                continue
            for o in cell.get("outputs", []):
                self.assertNotEqual(o["output_type"], "error", f"{name} cell {cell.get('id')}: {o}")
        for cell_id, check in CHECKS.get(name, {}).items():
            with self.subTest(notebook=name, cell=cell_id):
                self.assertIn(cell_id, cells, f"{name} has no cell {cell_id}")
                check(self, cells[cell_id])

    def test_nbclient(self):
        self.assertTrue(NOTEBOOKS, "no notebooks found")
        for path in NOTEBOOKS:
            name = os.path.basename(path)
            with self.subTest(notebook=name):
                nb = nbformat.read(path, as_version=4)
                for c in nb.cells:
                    if c.cell_type == "code":
                        self.assertEqual(c.outputs, [], f"{name} is stored with outputs")
                client = NotebookClient(nb, kernel_name=KERNEL_NAME, timeout=120, startup_timeout=60,
                                        resources={"metadata": {"path": os.path.dirname(path)}})
                client.execute()
                self.check(name, nb)

    def test_gohpc_run(self):
        for path in NOTEBOOKS:
            name = os.path.basename(path)
            with self.subTest(notebook=name), tempfile.TemporaryDirectory() as tmp:
                out = os.path.join(tmp, name)
                proc = subprocess.run([GOHPC, "run", path, "-o", out, "--timeout", "120"],
                                      cwd=os.path.dirname(path), capture_output=True, text=True, timeout=300)
                self.assertEqual(proc.returncode, 0, proc.stderr)
                nb = nbformat.read(out, as_version=4)
                nbformat.validate(nb)
                self.check(name, nb)

    def test_gohpc_run_failure_exit_code(self):
        with tempfile.TemporaryDirectory() as tmp:
            bad = os.path.join(tmp, "bad.ipynb")
            nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('x := 1\npanic("stop here")'),
                                                 nbformat.v4.new_code_cell("x")])
            nbformat.write(nb, bad)
            proc = subprocess.run([GOHPC, "run", bad, "-o", bad], capture_output=True, text=True, timeout=120)
            self.assertNotEqual(proc.returncode, 0)
            self.assertIn("stop here", proc.stdout + proc.stderr)
            out = nbformat.read(bad, as_version=4)
            self.assertEqual(out.cells[0].outputs[-1]["output_type"], "error")
            self.assertEqual(out.cells[1].outputs, [])


if __name__ == "__main__":
    unittest.main()
