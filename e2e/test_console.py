"""`jupyter console --kernel gohpc` in a pseudo-terminal (Debian's
jupyter-console, driven by pexpect): a multi-line function typed line by
line is held until is_complete says it is complete, then runs, and the
next prompt uses it."""
import os
import re
import unittest

import pexpect

from gohpc_e2e import KERNEL_NAME

ESC = r"(?:\x1b\[[0-9;?]*[A-Za-z])*"  # prompt_toolkit's colours and cursor moves
PROMPT = re.compile(r"In \[" + ESC + r"\d+" + ESC + r"\]: ")
CONTINUATION = re.compile(r"\.\.\." + ESC + r":")
OUT_42 = re.compile(r"Out\[" + ESC + r"\d+" + ESC + r"\]: " + ESC + r"42")


class ConsoleTest(unittest.TestCase):
    def setUp(self):
        env = dict(os.environ, TERM="xterm", PYTHONUNBUFFERED="1")
        self.child = pexpect.spawn("/usr/bin/python3", ["-m", "jupyter_console", "--kernel", KERNEL_NAME],
                                   env=env, encoding="utf-8", timeout=60, dimensions=(40, 200))
        self.child.expect(PROMPT)

    def tearDown(self):
        self.child.terminate(force=True)

    def test_multiline_input(self):
        c = self.child
        c.send("func twice(x int) int {\r")
        # Incomplete (is_complete): the console continues the cell on a new
        # line instead of executing it.
        c.expect(CONTINUATION)
        c.send("return 2 * x\r")
        c.expect(CONTINUATION)
        c.send("}\r")
        # Complete after the closing brace: it runs, and a new prompt comes.
        c.expect(PROMPT)
        c.send("twice(21)\r")
        c.expect(OUT_42)
        c.expect(PROMPT)
        c.send('fmt.Println("from go")\r')
        c.expect("from go")
        c.expect(PROMPT)


if __name__ == "__main__":
    unittest.main()
