"""A real browser: Jupyter Notebook (Debian's jupyter-notebook) on a loopback
port with a token, and Debian's headless Chromium driven by playwright-core,
running every cell of 04-grid-locator from the Cell menu. On failure the
screenshot and the server log are kept and named."""
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

    def test_run_all_cells_of_the_locator_notebook(self):
        shot = os.path.join(ARTIFACTS, "04-grid-locator.png")
        url = f"http://127.0.0.1:{self.port}/notebooks/{NOTEBOOK}?token={self.token}"
        proc = subprocess.run(["node", os.path.join(BROWSER_DIR, "run_notebook.mjs"), url, shot, "240"],
                              capture_output=True, text=True, timeout=400)
        self.assertEqual(proc.returncode, 0,
                         f"{proc.stdout}{proc.stderr}\nscreenshot: {shot}\nserver log: {self.log_path}")
        self.assertIn("ok:", proc.stdout)


if __name__ == "__main__":
    unittest.main()
