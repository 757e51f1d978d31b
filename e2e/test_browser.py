"""A real browser: Jupyter Notebook (Debian's jupyter-notebook) on a loopback
port with a token, and Debian's headless Chromium driven by playwright-core,
running every cell of 04-grid-locator from the Cell menu, and Run All of a
notebook whose failing cell must stop the cells after it. On failure the
screenshot and the server log are kept and named."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request
import secrets

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BROWSER_DIR = os.path.join(ROOT, "e2e", "browser")
ARTIFACTS = os.path.join(ROOT, ".e2e", "browser")
NOTEBOOK = "04-grid-locator.ipynb"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BrowserTest(unittest.TestCase):
    def setUp(self):
        for need in ("/usr/bin/chromium", os.path.join(BROWSER_DIR, "node_modules", "playwright-core")):
            self.assertTrue(os.path.exists(need), f"{need} missing: run the tests through `make test`")
        os.makedirs(ARTIFACTS, exist_ok=True)
        # The server works on a copy: autosave must not write outputs into notebooks/.
        self.tmp = tempfile.mkdtemp(prefix="gohpc-browser-")
        shutil.copytree(os.path.join(ROOT, "notebooks"), os.path.join(self.tmp, "notebooks"))
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.log_path = os.path.join(ARTIFACTS, "jupyter-server.log")
        self.log = open(self.log_path, "w")
        cmd = ["/usr/bin/python3", "-m", "notebook", "--no-browser", "--ip=127.0.0.1",
               f"--port={self.port}", f"--NotebookApp.token={self.token}",
               f"--NotebookApp.notebook_dir={os.path.join(self.tmp, 'notebooks')}",
               "--NotebookApp.open_browser=False"]
        if os.geteuid() == 0:
            cmd.append("--allow-root")
        env = dict(os.environ, JUPYTER_CONFIG_DIR=os.path.join(self.tmp, "config"),
                   JUPYTER_RUNTIME_DIR=os.path.join(self.tmp, "runtime"))
        self.server = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/status?token={self.token}", timeout=2)
                break
            except OSError:
                if self.server.poll() is not None or time.time() > deadline:
                    self.fail(f"Jupyter Notebook did not start; log: {self.log_path}")
                time.sleep(0.3)

    def tearDown(self):
        self.server.terminate()
        try:
            self.server.wait(10)
        except subprocess.TimeoutExpired:
            self.server.kill()
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def run_all(self, notebook, check, timeout=240):
        shot = os.path.join(ARTIFACTS, notebook.replace(".ipynb", ".png"))
        url = f"http://127.0.0.1:{self.port}/notebooks/{notebook}?token={self.token}"
        proc = subprocess.run(["node", os.path.join(BROWSER_DIR, "run_notebook.mjs"), url, shot, str(timeout), check],
                              capture_output=True, text=True, timeout=timeout + 160)
        self.assertEqual(proc.returncode, 0,
                         f"{proc.stdout}{proc.stderr}\nscreenshot: {shot}\nserver log: {self.log_path}")
        self.assertIn("ok:", proc.stdout)
        return proc.stdout

    def test_run_all_cells_of_the_locator_notebook(self):
        self.run_all(NOTEBOOK, "clean")

    def test_run_all_stops_at_a_failing_cell(self):
        # The failing cell runs for a while first, so that the browser has
        # sent every request of Run All before the error: the kernel aborts
        # those it had queued or that were sent before the error, and cannot
        # tell a request made later from one sent after seeing the error.
        sources = ['import "time"\nx := 1', 'time.Sleep(time.Second)\npanic("stop here")',
                   "x = 2", "x = 3", 'println("after the error")']
        nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {
            "kernelspec": {"display_name": "Go (gohpc)", "language": "go", "name": "gohpc"}},
            "cells": [{"cell_type": "code", "id": f"cell-{i}", "metadata": {}, "execution_count": None,
                       "outputs": [], "source": src} for i, src in enumerate(sources)]}
        with open(os.path.join(self.tmp, "notebooks", "stops-at-error.ipynb"), "w") as f:
            json.dump(nb, f)
        out = self.run_all("stops-at-error.ipynb", "stops-at-error", timeout=60)
        self.assertIn("cell 1 failed, 3 later cell(s) aborted, x = 1", out)


if __name__ == "__main__":
    unittest.main()
