"""Shared helpers for gohpc's end-to-end tests with real Jupyter clients.

The tests run against the kernelspec named by $GOHPC_KERNEL (default
"gohpc"), which `make test-e2e` installs into a throwaway JUPYTER_PATH.
"""
import os
import queue
import unittest
import time

from jupyter_client.manager import start_new_kernel

KERNEL_NAME = os.environ.get("GOHPC_KERNEL", "gohpc")
TIMEOUT = 30


def start_kernel(**kw):
    """Start a fresh gohpc kernel; returns (manager, client)."""
    return start_new_kernel(kernel_name=KERNEL_NAME, startup_timeout=60, **kw)


def stop_kernel(km, kc):
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def drain(kc, channel="iopub", wait=0.1):
    """Discard pending messages on a channel."""
    # The client's blocking get_*_msg: the channel objects' own get_msg is a
    # coroutine in jupyter_client 7.
    get = getattr(kc, "get_" + channel + "_msg")
    while True:
        try:
            get(timeout=wait)
        except queue.Empty:
            return


def shell_reply(kc, msg_id, timeout=TIMEOUT):
    """The shell reply whose parent is msg_id (others are skipped)."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no shell reply to {msg_id} within {timeout}s")
        msg = kc.get_shell_msg(timeout=left)
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg


def iopub_until_idle(kc, msg_id, timeout=TIMEOUT):
    """IOPub messages with parent msg_id, up to and excluding status idle."""
    out = []
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no idle for {msg_id} within {timeout}s; got {[m['msg_type'] for m in out]}")
        msg = kc.get_iopub_msg(timeout=left)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status":
            if msg["content"]["execution_state"] == "idle":
                return out
            continue
        out.append(msg)


def execute(kc, code, timeout=TIMEOUT, **kw):
    """Run code; returns (reply content, list of IOPub messages for it)."""
    msg_id = kc.execute(code, **kw)
    reply = shell_reply(kc, msg_id, timeout)
    msgs = iopub_until_idle(kc, msg_id, timeout)
    return reply["content"], msgs


def stdout_of(msgs, name="stdout"):
    return "".join(m["content"]["text"] for m in msgs if m["msg_type"] == "stream" and m["content"]["name"] == name)


def result_of(msgs, mime="text/plain"):
    for m in msgs:
        if m["msg_type"] == "execute_result":
            return m["content"]["data"].get(mime)
    return None


def error_of(msgs):
    for m in msgs:
        if m["msg_type"] == "error":
            return m["content"]
    return None


class KernelTestCase(unittest.TestCase):
    """One kernel per test class (started with start_kw), drained before
    each test."""
    start_kw = {}

    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start_kernel(**cls.start_kw)

    @classmethod
    def tearDownClass(cls):
        stop_kernel(cls.km, cls.kc)

    def setUp(self):
        drain(self.kc)

    def run_ok(self, code, **kw):
        reply, msgs = execute(self.kc, code, **kw)
        self.assertEqual(reply["status"], "ok", f"{code!r}: {reply} {error_of(msgs)}")
        return reply, msgs

    def run_error(self, code, **kw):
        reply, msgs = execute(self.kc, code, **kw)
        self.assertEqual(reply["status"], "error", f"{code!r} should fail: {msgs}")
        return reply, msgs
