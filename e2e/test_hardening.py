"""Hardening (issue 7) end to end: the real kernel driven by jupyter_client.

A short soak, a 100 MB output flood, interrupts of every kind of blocked
cell, heartbeat under native load, shutdown with a child process running,
100 queued executes, fatal errors, the listening sockets and the files
`gohpc install` writes. Measured figures are written to stderr, prefixed
with [hardening], so `make test-e2e` shows them."""
import hashlib
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

from gohpc_e2e import (TIMEOUT, KernelTestCase, drain, error_of, execute, iopub_until_idle, result_of,
                       shell_reply, start_kernel, stdout_of, stop_kernel)
from hardening_util import (Prober, alive, cell_children, descendants, goroutines, kernel_pid, listening_sockets,
                            percentile, processes_matching, rss_mb, witnesses)
import soak

# Generous bounds for a loaded 2-core machine; the measured figures are reported.
INTERRUPT_BUDGET = 0.2    # what issue 7 asks, reported
INTERRUPT_BOUND = 1.0     # what is asserted
PROBE_BOUND = 1.0         # heartbeat and control round trips under load


def report(*parts):
    print("[hardening]", *parts, file=sys.stderr, flush=True)


class KernelCase(KernelTestCase):
    """A fresh kernel per class, with its pid and connection info."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pid = kernel_pid(cls.km)
        cls.info = cls.km.get_connection_info()

    def assert_usable(self, expect_kept=None):
        _, msgs = self.run_ok("6 * 7")
        self.assertEqual(result_of(msgs), "42")
        if expect_kept is not None:
            _, msgs = self.run_ok("kept")
            self.assertEqual(result_of(msgs), expect_kept, "state lost")


class TestSoakShort(KernelCase):
    """make soak's short version: 1,500 executes, bounds that catch a leak of
    tens of KiB per execute in RSS, and any goroutine left per execute."""

    N, WARMUP = 1500, 500

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rows, cls.failures = soak.run(cls.kc, cls.pid, n=cls.N, warmup=cls.WARMUP, block=500, progress=False)
        report("short soak:", soak.HEADER)
        for row in cls.rows:
            report("short soak:", soak.format_row(row, cls.rows[0]))
        cls.lines, cls.failed = soak.judge(cls.rows, rss_growth_mb=60, goroutine_growth=10, p99_ratio=5,
                                           p99_slack_ms=100)
        for line in cls.lines:
            report("short soak:", line)

    def test_cells_ran(self):
        self.assertEqual(self.failures, [], "cells with an unexpected status")

    def test_bounds(self):
        self.assertEqual(self.failed, [])

    # What a cell leaves for good: its source positions (yaegi's FileSet)
    # and its frame slots, about 0.6 KiB. Dropped: its syntax tree and
    # blocks, and the values of its temporaries and redeclared variables
    # (interp/frame.go); once about 5 KiB per execute. Measured 0.6-0.8 KiB
    # here; the bound leaves room for noise and still fails on any of that.
    def test_live_heap_flat(self):
        base, last = self.rows[0], self.rows[-1]
        per_execute = (last["heap"] - base["heap"]) * 1024 / (last["upto"] - base["upto"])
        report(f"short soak: live heap +{per_execute:.2f} KiB per execute")
        self.assertLess(per_execute, 1.5, f"live heap grows {per_execute:.2f} KiB per execute")


class TestFlood(KernelCase):
    """100 MB of stdout in 100-byte writes: every byte in order, coalesced,
    memory bounded, heartbeat and control answering throughout."""

    LINES = 1_000_000
    PAD = "x" * 90

    def expected(self):
        h = hashlib.sha256()
        pad = self.PAD.encode() + b"\n"
        for i in range(self.LINES):
            h.update(b"%09d" % i + pad)
        return h.hexdigest(), self.LINES * 100

    def test_flood(self):
        want_hash, want_bytes = self.expected()
        code = (f'floodPad := "{self.PAD}"\n'
                f'for i := 0; i < {self.LINES}; i++ {{ fmt.Printf("%09d%s\\n", i, floodPad) }}')
        rss_before = rss_mb(self.pid)
        prober = Prober(self.pid, self.info, every=0.1)
        prober.start()
        t0 = time.monotonic()
        msg_id = self.kc.execute(code)
        h, nbytes, nmsgs, other, biggest = hashlib.sha256(), 0, 0, [], 0
        try:
            while True:
                msg = self.kc.get_iopub_msg(timeout=120)
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                kind, content = msg["msg_type"], msg["content"]
                if kind == "stream" and content["name"] == "stdout":
                    data = content["text"].encode()
                    h.update(data)
                    nbytes += len(data)
                    nmsgs += 1
                    biggest = max(biggest, len(data))
                elif kind == "status":
                    if content["execution_state"] == "idle":
                        break
                elif kind != "execute_input":
                    other.append(msg)
            elapsed = time.monotonic() - t0
        finally:
            prober.stop()
        reply = shell_reply(self.kc, msg_id)["content"]
        report(f"flood: {nbytes:,} bytes in {nmsgs:,} stream messages (largest {biggest:,} B) "
               f"in {elapsed:.1f} s ({nbytes / elapsed / 1e6:.1f} MB/s)")
        report(f"flood: kernel RSS before {rss_before:.1f} MiB, max during {max(prober.rss):.1f} MiB "
               f"({len(prober.rss)} samples)")
        report("flood: heartbeat", Prober.summary(prober.hb))
        report("flood: kernel_info on control", Prober.summary(prober.control))
        self.assertEqual(reply["status"], "ok", reply)
        self.assertEqual(other, [], "unexpected messages during the flood")
        self.assertEqual(nbytes, want_bytes, "bytes lost or added")
        self.assertEqual(h.hexdigest(), want_hash, "the stream differs from what the cell wrote")
        self.assertLess(nmsgs, 20_000, "stream output not coalesced")
        self.assertLess(max(prober.rss), 256, "kernel memory not bounded during the flood")
        for name, rtts in (("heartbeat", prober.hb), ("control", prober.control)):
            self.assertGreaterEqual(len(rtts), 5, f"too few {name} probes")
            self.assertNotIn(None, rtts, f"{name} did not answer during the flood")
            self.assertLess(max(rtts), PROBE_BOUND, f"{name} slow during the flood")
        self.assert_usable()


class TestInterruptEverywhere(KernelCase):
    """interrupt_request (interrupt_mode message) of every kind of blocked
    cell: control back within the budget, state kept, no goroutine or child
    process left behind."""

    latencies = {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        execute(cls.kc, "kept := 99")
        execute(cls.kc, 'import ("runtime"; "time")')
        cls.base_goroutines = goroutines(cls.kc)

    @classmethod
    def tearDownClass(cls):
        if cls.latencies:
            ms = ", ".join(f"{k} {v * 1e3:.1f} ms" for k, v in sorted(cls.latencies.items()))
            within = sum(v <= INTERRUPT_BUDGET for v in cls.latencies.values())
            report(f"interrupt → shell reply: {ms}; {within}/{len(cls.latencies)} within "
                   f"{INTERRUPT_BUDGET * 1e3:.0f} ms")
        super().tearDownClass()

    def interrupt(self, name, code, running=None, delay=0.5, **kw):
        """Starts code, waits until it runs (running(), else delay), sends
        interrupt_request, times the reply; checks the kernel afterwards."""
        msg_id = self.kc.execute(code, **kw)
        if running is not None:
            running()
        time.sleep(delay)
        t0 = time.monotonic()
        self.km.interrupt_kernel()
        reply = shell_reply(self.kc, msg_id, timeout=20)["content"]
        elapsed = time.monotonic() - t0
        iopub_until_idle(self.kc, msg_id)
        self.latencies[name] = elapsed
        self.assertEqual(reply["status"], "error", reply)
        self.assertIn("nterrupt", reply["ename"] + reply["evalue"])
        self.assertLess(elapsed, INTERRUPT_BOUND, f"{name}: interrupt took {elapsed * 1e3:.0f} ms")
        self.assert_usable(expect_kept="99")
        self.assert_no_goroutine_left(name)
        return reply

    def assert_no_goroutine_left(self, name):
        deadline = time.monotonic() + 3
        while True:
            n = goroutines(self.kc)
            if n <= self.base_goroutines or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertLessEqual(n, self.base_goroutines, f"{name}: goroutines left behind")

    def test_interpreted_loop(self):
        self.interrupt("for {}", "for {}")

    def test_sleep(self):
        self.interrupt("time.Sleep", "time.Sleep(time.Hour)")

    def test_channel_receive(self):
        self.interrupt("<-ch", "ch := make(chan int)\n<-ch")

    def test_pending_input_request(self):
        def prompted():
            msg = self.kc.get_stdin_msg(timeout=10)
            self.assertEqual(msg["msg_type"], "input_request")

        self.interrupt("input_request", "var never string\nfmt.Scanln(&never)", running=prompted,
                       delay=0.2, allow_stdin=True)
        # The next cell's input is its own, not a late answer to the old prompt.
        out = []
        reply = self.kc.execute_interactive('var fresh string\nfmt.Scanln(&fresh)\nfmt.Println("got", fresh)',
                                            allow_stdin=True, stdin_hook=lambda m: self.kc.input("fresh"),
                                            output_hook=out.append, timeout=TIMEOUT)
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertIn("got fresh", stdout_of(out))

    def test_shell_child_killed(self):
        tag = f"100.{uuid.uuid4().int % 10**6:06d}"

        def started():
            deadline = time.monotonic() + 10
            while not processes_matching(f"sleep {tag}"):
                self.assertLess(time.monotonic(), deadline, "the sleep never started")
                time.sleep(0.05)

        self.interrupt("!sleep", f"!sleep {tag}", running=started, delay=0.2)
        deadline = time.monotonic() + 1
        while processes_matching(f"sleep {tag}") and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertEqual(processes_matching(f"sleep {tag}"), set(), "the shell child survived the interrupt")
        self.assertEqual(cell_children(self.pid), set(), "the kernel has children left")

    def test_output_flood(self):
        # The cell's writer is blocked on IOPub backpressure half the time;
        # IOPub is read throughout, as a notebook does.
        code = 'for i := 0; i >= 0; i++ { fmt.Printf("%09d%s\\n", i, "' + "y" * 90 + '") }'
        msg_id = self.kc.execute(code)
        start = time.monotonic()
        t_int = reply = None
        idle, got, tail = False, 0, b""
        while reply is None or not idle:
            self.assertLess(time.monotonic() - start, 30, "no reply or no idle after the interrupt")
            if t_int is None and time.monotonic() - start > 1.0:
                t_int = time.monotonic()
                self.km.interrupt_kernel()
            try:
                msg = self.kc.get_iopub_msg(timeout=0.02)
            except queue.Empty:
                msg = None
            if msg is not None and msg["parent_header"].get("msg_id") == msg_id:
                if msg["msg_type"] == "stream":
                    data = msg["content"]["text"].encode()
                    got += len(data)
                    tail = (tail + data)[-200:]
                elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                    idle = True
            if reply is None and t_int is not None:
                try:
                    r = self.kc.get_shell_msg(timeout=0)
                except queue.Empty:
                    continue
                if r["parent_header"].get("msg_id") == msg_id:
                    reply, t_reply = r["content"], time.monotonic()
        elapsed = t_reply - t_int
        self.latencies["output flood"] = elapsed
        report(f"interrupted output flood: {got:,} bytes received, reply {elapsed * 1e3:.1f} ms after "
               f"the interrupt, idle {(time.monotonic() - t_int) * 1e3:.1f} ms after it")
        self.assertEqual(reply["status"], "error", reply)
        self.assertLess(elapsed, INTERRUPT_BOUND)
        self.assertEqual(got % 100, 0, "a line was cut")
        self.assertEqual(int(tail[-100:-91]), got // 100 - 1, "lines lost before the interrupt")
        self.assert_usable(expect_kept="99")
        self.assert_no_goroutine_left("output flood")

    def test_parallel_for(self):
        self.interrupt("hpc.ParallelFor", "hpc.ParallelFor(1<<30, func(i int) {})", delay=0.8)

    def test_matmul(self):
        # One product of 2000×2000 takes long enough to be caught inside it.
        self.interrupt("hpc.MatMul", "mmA := mat.NewDense(2000, 2000, nil)\nfor { hpc.MatMul(mmA, mmA) }",
                       delay=1.0)


class TestConcurrency(KernelCase):
    def test_heartbeat_during_native_work(self):
        code = ("nw := mat.NewDense(1000, 1000, nil)\nnwEnd := time.Now().Add(4 * time.Second)\n"
                "nwN := 0\nfor time.Now().Before(nwEnd) { hpc.MatMul(nw, nw); nwN++ }\n"
                'fmt.Sprintf("%d products on %d workers", nwN, hpc.Workers())')
        self.run_ok('import "time"')
        cpu0, t0 = cpu_seconds(self.pid), time.monotonic()
        prober = Prober(self.pid, self.info, every=0.05)
        msg_id = self.kc.execute(code)
        prober.start()
        try:
            reply = shell_reply(self.kc, msg_id, timeout=60)["content"]
            msgs = iopub_until_idle(self.kc, msg_id)
        finally:
            prober.stop()
        cores = (cpu_seconds(self.pid) - cpu0) / (time.monotonic() - t0)
        self.assertEqual(reply["status"], "ok", reply)
        report(f"native load: {result_of(msgs)} of 1000×1000 in 4 s, kernel on {cores:.2f} cores "
               f"of {os.cpu_count()}")
        report("native load: heartbeat", Prober.summary(prober.hb))
        report("native load: kernel_info on control", Prober.summary(prober.control))
        self.assertGreaterEqual(len(prober.hb), 10)
        self.assertNotIn(None, prober.hb, "heartbeat missed an echo during native work")
        self.assertLess(max(prober.hb), PROBE_BOUND)
        self.assertNotIn(None, prober.control, "control did not answer during native work")

    def test_queued_executes_in_order(self):
        n = 100
        ids = [self.kc.execute(f'fmt.Println("queued {i}")\n{i} * 3') for i in range(n)]
        replies = [self.kc.get_shell_msg(timeout=TIMEOUT) for _ in range(n)]
        self.assertEqual([r["parent_header"]["msg_id"] for r in replies], ids, "replies out of order")
        self.assertEqual([r["content"]["status"] for r in replies], ["ok"] * n)
        counts = [r["content"]["execution_count"] for r in replies]
        self.assertEqual(counts, list(range(counts[0], counts[0] + n)))
        seen, outputs, results = [], {}, {}
        deadline = time.monotonic() + TIMEOUT
        idle = set()
        while len(idle) < n and time.monotonic() < deadline:
            msg = self.kc.get_iopub_msg(timeout=TIMEOUT)
            parent = msg["parent_header"].get("msg_id")
            if parent not in ids:
                continue
            if not seen or seen[-1] != parent:
                seen.append(parent)
            if msg["msg_type"] == "stream":
                outputs[parent] = outputs.get(parent, "") + msg["content"]["text"]
            elif msg["msg_type"] == "execute_result":
                results[parent] = msg["content"]["data"]["text/plain"]
            elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                idle.add(parent)
        self.assertEqual(seen, ids, "IOPub messages of queued cells interleaved or out of order")
        for i, msg_id in enumerate(ids):
            self.assertEqual(outputs.get(msg_id), f"queued {i}\n")
            self.assertEqual(results.get(msg_id), str(i * 3))


class TestShutdown(unittest.TestCase):
    def test_shutdown_during_shell_child(self):
        tag = f"100.{uuid.uuid4().int % 10**6:06d}"
        km, kc = start_kernel()
        try:
            pid = kernel_pid(km)
            kc.execute(f"!sleep {tag}")
            deadline = time.monotonic() + 10
            while not processes_matching(f"sleep {tag}"):
                self.assertLess(time.monotonic(), deadline, "the sleep never started")
                time.sleep(0.05)
            children = descendants(pid)
            self.assertTrue(cell_children(pid))
            self.assertEqual(len(witnesses(pid)), 1, "the kernel runs one fatal-error witness")
            t0 = time.monotonic()
            kc.shutdown()
            while km.is_alive() and time.monotonic() - t0 < 5:
                time.sleep(0.01)
            elapsed = time.monotonic() - t0
            time.sleep(0.1)
            left = {p for p in children if alive(p)} | processes_matching(f"sleep {tag}")
            report(f"shutdown with `!sleep` running: kernel exited in {elapsed * 1e3:.0f} ms; "
                   f"children before {sorted(children)}, left after {sorted(left)}")
            self.assertFalse(km.is_alive(), "kernel still running after shutdown_request")
            self.assertLess(elapsed, 1.0, "shutdown took more than 1 s")
            self.assertEqual(left, set(), "child processes outlived the kernel")
        finally:
            kc.stop_channels()
            if km.is_alive():
                km.shutdown_kernel(now=True)
            for p in processes_matching(f"sleep {tag}"):
                os.kill(p, 9)


class TestRecoverableFatal(KernelCase):
    def test_nil_map_write(self):
        reply, msgs = execute(self.kc, 'var nm map[string]int\nnm["a"] = 1')
        self.assertEqual(reply["status"], "error")
        err = error_of(msgs)
        report(f"nil map write: {err['ename']}: {err['evalue']}")
        self.assertIn("nil map", err["evalue"])
        self.assertTrue(alive(self.pid))
        self.assert_usable()

    def test_huge_allocation(self):
        reply, msgs = execute(self.kc, "huge := make([]byte, 1<<45)\nlen(huge)")
        self.assertEqual(reply["status"], "error")
        err = error_of(msgs)
        report(f"make([]byte, 1<<45): {err['ename']}: {err['evalue']}")
        self.assertRegex(err["ename"] + err["evalue"], "(?i)memory")
        self.assertTrue(alive(self.pid))
        self.assertLess(rss_mb(self.pid), 256)
        self.assert_usable()


class UnrecoverableFatal:
    """A fatal runtime error kills the kernel; its log (the process's
    stderr, as Jupyter keeps it) must say why, and a restart brings it back.
    Subclasses set CODE, the cell, CAUSE, the runtime's words for it, and
    FRAME, a function the crash's traceback names."""

    CODE = CAUSE = FRAME = None

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.log_path = os.path.join(cls.tmp.name, "kernel.log")
        cls.log_file = open(cls.log_path, "w")
        cls.km, cls.kc = start_kernel(stderr=cls.log_file)
        cls.pid = kernel_pid(cls.km)
        execute(cls.kc, "before := 1")
        msg_id = cls.kc.execute(cls.CODE)
        t0 = time.monotonic()
        while cls.km.is_alive() and time.monotonic() - t0 < 30:
            time.sleep(0.02)
        cls.died_after = time.monotonic() - t0
        cls.died = not cls.km.is_alive()
        cls.iopub = []
        try:
            while True:
                m = cls.kc.get_iopub_msg(timeout=0.3)
                if m["parent_header"].get("msg_id") == msg_id:
                    cls.iopub.append(m)
        except queue.Empty:
            pass
        cls.log_file.flush()
        with open(cls.log_path, errors="replace") as f:
            cls.log = f.read()
        crash = [line for line in cls.log.splitlines() if line.strip()][1:4]
        report(f"{cls.CAUSE}: kernel died after {cls.died_after:.2f} s; log has {len(cls.log)} bytes, "
               f"its crash begins {crash}; {cls.CAUSE!r} in the log: {cls.CAUSE in cls.log}; IOPub for the "
               f"cell: {[(m['msg_type'], m['content'].get('text', '')[:60]) for m in cls.iopub]}")
        cls.restart_error = None
        try:
            cls.km.restart_kernel(now=True)
            cls.kc.wait_for_ready(timeout=60)
        except Exception as e:  # reported by test_restart_brings_it_back
            cls.restart_error = e

    @classmethod
    def tearDownClass(cls):
        stop_kernel(cls.km, cls.kc)
        cls.log_file.close()
        cls.tmp.cleanup()

    def test_kernel_died(self):
        self.assertTrue(self.died, "the cell was meant to kill the kernel")

    def test_log_has_crash_traceback(self):
        self.assertIn("goroutine ", self.log)
        self.assertIn(self.FRAME, self.log)

    # The runtime prints its "fatal error: <why>" line to fd 2 only (the
    # copy to SetCrashOutput's file begins after it), and fd 2 is the cells'
    # captured pipe: the kernel's witness process (internal/lastwords) copies
    # it to the log.
    def test_log_says_why(self):
        self.assertIn("fatal error: ", self.log)
        self.assertIn(self.CAUSE, self.log)
        self.assertRegex(self.log, rf"process {self.pid} ended without shutting down")

    def test_restart_brings_it_back(self):
        self.assertIsNone(self.restart_error)
        self.assertNotEqual(kernel_pid(self.km), self.pid)
        reply, msgs = execute(self.kc, "before")
        self.assertEqual(reply["status"], "error", "state survived a restart?")
        reply, msgs = execute(self.kc, "1 + 1")
        self.assertEqual(reply["status"], "ok")
        self.assertEqual(result_of(msgs), "2")


class TestConcurrentMapWrites(UnrecoverableFatal, unittest.TestCase):
    # Two goroutines decode into one map: encoding/json assigns natively, so
    # the runtime catches the race at once and dies with "fatal error:
    # concurrent map writes", which no recover can stop.
    CODE = '''import "encoding/json"
src := map[string]int{}
for i := 0; i < 20000; i++ { src[fmt.Sprint(i)] = i }
data, _ := json.Marshal(src)
shared := map[string]int{}
for w := 0; w < 2; w++ {
	go func() { for { json.Unmarshal(data, &shared) } }()
}
select {}'''
    CAUSE = "concurrent map writes"
    FRAME = "json.Unmarshal"


class TestNativeOutOfMemory(UnrecoverableFatal, unittest.TestCase):
    # A huge allocation in compiled code (8 TiB of matrix, a typo away from
    # 1<<10) is out of the interpreter's reach: the Go runtime's out of
    # memory is fatal.
    CODE = "mat.NewDense(1<<20, 1<<20, nil)"
    CAUSE = "out of memory"
    FRAME = "mat.NewDense"


class TestKilledKernelLog(unittest.TestCase):
    """A kernel killed outright (the out-of-memory killer's SIGKILL) writes
    nothing itself; its witness says that it ended, so the log is not
    silent, and leaves with it."""

    def test_witness_notes_the_death(self):
        with tempfile.TemporaryDirectory() as tmp:
            log_path = os.path.join(tmp, "kernel.log")
            with open(log_path, "w") as log_file:
                km, kc = start_kernel(stderr=log_file)
                try:
                    pid = kernel_pid(km)
                    execute(kc, "x := 1")
                    witness = witnesses(pid)
                    self.assertEqual(len(witness), 1, "no witness after the first cell")
                    os.kill(pid, signal.SIGKILL)
                    deadline = time.monotonic() + 10
                    while (km.is_alive() or any(alive(p) for p in witness)) and time.monotonic() < deadline:
                        time.sleep(0.02)
                    self.assertFalse(any(alive(p) for p in witness), "the witness outlived the kernel")
                finally:
                    stop_kernel(km, kc)
            with open(log_path, errors="replace") as f:
                log = f.read()
        self.assertIn(f"process {pid} ended without shutting down and left nothing unread", log)


class TestCellSyntax(KernelCase):
    """Found on the way: valid Go the cell splitter mangles."""

    # A cell is split into items at semicolons at depth 0, but not inside a
    # statement header: an empty clause must survive.
    def test_for_with_empty_condition(self):
        _, msgs = self.run_ok("n := 0\nfor i := 0; ; i++ {\n\tn++\n\tif i > 3 { break }\n}\nn")
        self.assertEqual(result_of(msgs), "5")

    def test_for_with_empty_condition_in_a_func(self):
        _, msgs = self.run_ok("func loopy() int {\n\tn := 0\n\tfor i := 0; ; i++ {\n\t\tn++\n"
                              "\t\tif i > 3 { break }\n\t}\n\treturn n\n}\nloopy()")
        self.assertEqual(result_of(msgs), "5")


class TestFiles(KernelCase):
    def test_binds_only_to_connection_address(self):
        listening = listening_sockets(self.pid)
        report(f"listening sockets of the kernel: {sorted(listening)}")
        ports = {self.info[k] for k in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")}
        self.assertEqual({(fam, addr) for fam, addr, _ in listening}, {("tcp", self.info["ip"])})
        self.assertEqual({port for _, _, port in listening}, ports)
        self.assertEqual(len(listening), len(ports), "a port bound twice")

    def test_install_permissions(self):
        gohpc = os.environ.get("GOHPC") or os.path.join(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__))), "bin", "gohpc")
        with tempfile.TemporaryDirectory() as tmp:
            for _ in range(2):  # a fresh install, then one over it
                subprocess.run([gohpc, "install", "--prefix", tmp], check=True, capture_output=True,
                               preexec_fn=lambda: os.umask(0o022))
            spec = os.path.join(tmp, "share", "jupyter", "kernels", "gohpc")
            modes = {}
            for root, dirs, files in os.walk(tmp):
                for d in dirs:
                    modes[os.path.relpath(os.path.join(root, d), tmp) + "/"] = os.stat(os.path.join(root, d)).st_mode
                for f in files:
                    modes[os.path.relpath(os.path.join(root, f), tmp)] = os.stat(os.path.join(root, f)).st_mode
            report("install:", ", ".join(f"{p} {m & 0o7777:o}" for p, m in sorted(modes.items())))
            self.assertEqual(sorted(os.listdir(spec)), ["kernel.json", "logo-32x32.png", "logo-64x64.png"],
                             "stray (temporary?) files in the kernelspec")
            for path, mode in modes.items():
                want = 0o755 if path.endswith("/") else 0o644
                self.assertEqual(mode & 0o7777, want, path)
            with open(os.path.join(spec, "kernel.json")) as f:
                ks = json.load(f)
            self.assertTrue(os.path.isabs(ks["argv"][0]))
            self.assertEqual(ks["interrupt_mode"], "message")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    unittest.main()
