"""gohpc through jupyter_client: state, streaming, interrupts, stdin,
restart, shutdown, and hostile input on the wire (bad signatures, replays,
garbage frames). Each test class starts its own kernel."""
import os
import signal
import time
import unittest

import zmq
from jupyter_client.session import Session

from gohpc_e2e import (TIMEOUT, KernelTestCase, drain, error_of, execute, iopub_until_idle, result_of,
                       shell_reply, start_kernel, stdout_of, stop_kernel)


class TestKernelInfo(KernelTestCase):
    def test_language_info(self):
        msg_id = self.kc.kernel_info()
        info = shell_reply(self.kc, msg_id)["content"]
        self.assertEqual(info["protocol_version"], "5.3")
        self.assertEqual(info["implementation"], "gohpc")
        li = info["language_info"]
        self.assertEqual((li["name"], li["mimetype"], li["file_extension"]), ("go", "text/x-go", ".go"))
        self.assertEqual((li["pygments_lexer"], li["codemirror_mode"]), ("go", "go"))
        self.assertRegex(li["version"], r"^1\.\d+")
        self.assertTrue(info["banner"])
        self.assertTrue(info["help_links"])


class TestExecute(KernelTestCase):
    def test_state_and_execution_count(self):
        r1, _ = self.run_ok("x := 41")
        r2, msgs = self.run_ok("x + 1")
        self.assertEqual(result_of(msgs), "42")
        self.assertEqual(r2["execution_count"], r1["execution_count"] + 1)
        # store_history=False and silent do not count; silent publishes nothing.
        r3, _ = self.run_ok("x", store_history=False)
        self.assertEqual(r3["execution_count"], r2["execution_count"])
        r4, msgs = self.run_ok('fmt.Println("quiet")', silent=True)
        self.assertEqual(msgs, [])
        r5, _ = self.run_ok("x")
        self.assertEqual(r5["execution_count"], r2["execution_count"] + 1)

    def test_redeclaration(self):
        self.run_ok("y := 1")
        self.run_ok('y := "two"')
        _, msgs = self.run_ok("y")
        self.assertIn("two", result_of(msgs))
        self.run_ok("type T struct{ A int }")
        self.run_ok("type T struct{ A, B int }")
        _, msgs = self.run_ok("T{1, 2}")
        self.assertIn("1", result_of(msgs))
        self.assertIn("2", result_of(msgs))
        self.run_ok("func g() int { return 1 }")
        self.run_ok("func g() int { return 2 }")
        _, msgs = self.run_ok("g()")
        self.assertEqual(result_of(msgs), "2")

    def test_modern_go(self):
        _, msgs = self.run_ok("s := 0\nfor i := range 10 { s += i }\nmax(s, 7, min(3, 100))")
        self.assertEqual(result_of(msgs), "45")
        _, msgs = self.run_ok("m := map[string]int{\"a\": 1}\nclear(m)\nlen(m)")
        self.assertEqual(result_of(msgs), "0")

    def test_streaming(self):
        code = 'import "time"\nfmt.Println("first")\ntime.Sleep(600 * time.Millisecond)\nfmt.Println("second")'
        msg_id = self.kc.execute(code)
        seen = {}
        deadline = time.monotonic() + TIMEOUT
        while "idle" not in seen and time.monotonic() < deadline:
            m = self.kc.get_iopub_msg(timeout=TIMEOUT)
            if m["parent_header"].get("msg_id") != msg_id:
                continue
            if m["msg_type"] == "stream" and "first" in m["content"]["text"]:
                seen.setdefault("first", time.monotonic())
            if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                seen["idle"] = time.monotonic()
        shell_reply(self.kc, msg_id)
        self.assertIn("first", seen, "first line never arrived")
        self.assertGreater(seen["idle"] - seen["first"], 0.3, "output was not streamed while the cell ran")

    def test_compile_error_position(self):
        _, msgs = self.run_error("a := 1\nb := 2\nc := undefinedThing + a + b")
        err = error_of(msgs)
        text = err["evalue"] + "\n".join(err["traceback"])
        self.assertIn("undefinedThing", text)
        self.assertRegex(text, r"\b3:\d+", "error should point at line 3 of the cell")

    def test_panic_and_kernel_lives(self):
        _, msgs = self.run_error('func boom() { panic("kaboom") }\nboom()')
        err = error_of(msgs)
        self.assertIn("kaboom", err["evalue"])
        self.assertTrue(err["traceback"])
        self.run_ok("1")

    def test_goroutine_panic_and_kernel_lives(self):
        self.run_ok('import "time"\ngo func() { panic("in a goroutine") }()\ntime.Sleep(200 * time.Millisecond)')
        time.sleep(0.2)
        _, msgs = self.run_ok("2")
        self.assertEqual(result_of(msgs), "2")

    def test_infinite_recursion(self):
        _, msgs = self.run_error("func f(n int) int { return f(n+1) + 1 }\nf(0)", timeout=60)
        self.assertRegex(error_of(msgs)["evalue"].lower(), "recursion|stack|depth")
        self.run_ok("3")

    def test_failed_cells_lose_nothing(self):
        self.run_ok("kept1 := []int{1, 2}\nfunc kept2() int { return 2 }")
        self.run_error('kept1 := "typo"\nundefinedFn()')                  # does not compile
        self.run_error("func kept2() int { return undefinedThing }")
        self.run_error('kept1 := func() []int { panic("no file") }()')       # fails while running
        _, msgs = self.run_ok("fmt.Sprint(kept1, kept2())")
        self.assertEqual(result_of(msgs), "[1 2] 2")

    def test_os_exit_refused(self):
        self.run_error('import "os"\nos.Exit(3)')
        self.run_ok("4")

    def test_native_fd_write(self):
        _, msgs = self.run_ok('import "syscall"\nsyscall.Write(1, []byte("raw fd write\\n"))')
        time.sleep(0.1)
        self.assertIn("raw fd write", stdout_of(msgs) + stdout_of(self._late()))

    def _late(self):
        out = []
        try:
            while True:
                out.append(self.kc.get_iopub_msg(timeout=0.3))
        except Exception:
            return out

    def test_error_aborts_queued_requests(self):
        # The failing cell runs long enough for the others to be queued
        # behind it even on a loaded machine.
        first = self.kc.execute('import "time"\ntime.Sleep(500 * time.Millisecond)\npanic("first fails")')
        ids = [first, self.kc.execute("1"), self.kc.execute("2")]
        replies = [shell_reply(self.kc, i)["content"] for i in ids]
        self.assertEqual([r["status"] for r in replies], ["error", "aborted", "aborted"])
        self.run_ok("5")  # the queue resumes afterwards


class TestInterrupt(KernelTestCase):
    def interrupt_after(self, code, how, delay=0.5):
        self.run_ok("kept := 99")
        msg_id = self.kc.execute(code)
        time.sleep(delay)
        t0 = time.monotonic()
        how()
        reply = shell_reply(self.kc, msg_id, timeout=10)["content"]
        elapsed = time.monotonic() - t0
        iopub_until_idle(self.kc, msg_id)
        self.assertEqual(reply["status"], "error")
        self.assertLess(elapsed, 2.0, "interrupt took too long to return control")
        _, msgs = self.run_ok("kept")
        self.assertEqual(result_of(msgs), "99")
        return reply

    def test_interrupt_message_busy_loop(self):
        reply = self.interrupt_after("for {}", self.km.interrupt_kernel)
        self.assertIn("nterrupt", reply["ename"] + reply["evalue"])

    def test_interrupt_message_sleep(self):
        self.interrupt_after('import "time"\ntime.Sleep(time.Hour)', self.km.interrupt_kernel)

    def test_sigint(self):
        self.interrupt_after("for {}", lambda: self.km.signal_kernel(signal.SIGINT))

    def test_control_served_while_cell_runs(self):
        msg_id = self.kc.execute('import "time"\ntime.Sleep(3 * time.Second)')
        time.sleep(0.3)
        t0 = time.monotonic()
        ctl = self.kc.session.msg("kernel_info_request", {})
        self.kc.control_channel.send(ctl)
        reply = self.kc.get_control_msg(timeout=5)
        self.assertEqual(reply["msg_type"], "kernel_info_reply")
        self.assertLess(time.monotonic() - t0, 1.0)
        self.km.interrupt_kernel()
        shell_reply(self.kc, msg_id)


class TestMagicsAndNative(KernelTestCase):
    def test_time_and_timeit(self):
        _, msgs = self.run_ok("%time s := 0\nfor i := 0; i < 1000; i++ { s += i }\ns")
        out = stdout_of(msgs)
        self.assertRegex(out, r"CPU times: user .+, sys: .+, total: .+\nWall time: ")
        self.assertEqual(result_of(msgs), "499500")
        _, msgs = self.run_ok("%timeit -n 10 -r 3 math.Sqrt(2)")
        self.assertRegex(stdout_of(msgs), r"per loop \(mean ± std\. dev\. of 3 runs, 10 loops each\)")

    def test_unknown_magic_suggests(self):
        _, msgs = self.run_error("%timit f()")
        self.assertIn("%timeit", error_of(msgs)["evalue"] + "".join(error_of(msgs)["traceback"]))

    def test_native_cell(self):
        # A %%native cell is compiled into a plugin and bound: later cells
        # call it at native speed; its compile errors point at cell lines.
        _, msgs = self.run_ok("%%native\nfunc Square(x float64) float64 { return x * x }", timeout=180)
        self.assertIn("compiled", stdout_of(msgs))
        _, msgs = self.run_ok("Square(3)")
        self.assertEqual(result_of(msgs), "9")
        _, msgs = self.run_error("%%native\nfunc Bad() int {\n\treturn \"x\"\n}", timeout=180)
        err = error_of(msgs)
        self.assertRegex(err["evalue"] + "".join(err["traceback"]), r"3:\d+")


class TestStdin(KernelTestCase):
    def test_input_request(self):
        prompts = []

        def answer(msg):
            prompts.append(msg["content"]["prompt"])
            self.kc.input("gopher")

        code = 'var name string\nfmt.Print("name? ")\nfmt.Scanln(&name)\nfmt.Println("hello", name)'
        out = []
        reply = self.kc.execute_interactive(code, allow_stdin=True, stdin_hook=answer,
                                            output_hook=out.append, timeout=TIMEOUT)
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertEqual(len(prompts), 1)
        self.assertIn("hello gopher", stdout_of(out))

    def test_bufio_scanner(self):
        code = 'import ("bufio"; "os")\nsc := bufio.NewScanner(os.Stdin)\nsc.Scan()\nfmt.Println("got", sc.Text())'
        out = []
        reply = self.kc.execute_interactive(code, allow_stdin=True, stdin_hook=lambda m: self.kc.input("line one"),
                                            output_hook=out.append, timeout=TIMEOUT)
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertIn("got line one", stdout_of(out))

    def test_stdin_not_allowed(self):
        reply, msgs = execute(self.kc, "var s string\nfmt.Scanln(&s)", allow_stdin=False)
        self.assertEqual(reply["status"], "error")
        self.assertIn("stdin", (reply["evalue"] + reply["ename"]).lower())


class TestWire(KernelTestCase):
    """Messages a well-behaved client would never send."""

    def dealer(self, port_name="shell_port"):
        info = self.km.get_connection_info()
        sock = zmq.Context.instance().socket(zmq.DEALER)
        sock.linger = 0
        sock.connect(f"tcp://{info['ip']}:{info[port_name]}")
        self.addCleanup(sock.close)
        return sock, info

    def replies(self, sock, timeout=1.0):
        got = []
        poller = zmq.Poller()
        poller.register(sock, zmq.POLLIN)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not poller.poll(left * 1000):
                return got
            got.append(sock.recv_multipart())

    def assert_alive(self):
        _, msgs = self.run_ok("6*7")
        self.assertEqual(result_of(msgs), "42")

    def test_bad_signature_dropped(self):
        sock, info = self.dealer()
        forged = Session(key=b"not-the-key", signature_scheme=info["signature_scheme"])
        forged.send(sock, "execute_request", {"code": "forged := 1", "silent": False, "store_history": True,
                                               "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
        self.assertEqual(self.replies(sock), [], "a forged message was answered")
        reply, msgs = execute(self.kc, "forged")
        self.assertEqual(reply["status"], "error", "the forged cell ran")
        self.assert_alive()

    def test_replay_dropped(self):
        sock, info = self.dealer()
        session = Session(key=info["key"], signature_scheme=info["signature_scheme"])
        frames = session.serialize(session.msg("kernel_info_request", {}))
        sock.send_multipart(frames)
        self.assertEqual(len(self.replies(sock)), 1)
        sock.send_multipart(frames)
        self.assertEqual(self.replies(sock), [], "a replayed message was answered")
        self.assert_alive()

    def test_garbage_frames(self):
        for port in ("shell_port", "control_port", "stdin_port"):
            sock, info = self.dealer(port)
            session = Session(key=info["key"], signature_scheme=info["signature_scheme"])
            good_sig = lambda parts: session.sign(parts)
            junk = [
                [b""],
                [b"no delimiter at all"],
                [b"<IDS|MSG>"],
                [b"<IDS|MSG>", b"sig"],
                [b"<IDS|MSG>", b"deadbeef", b"{", b"{}", b"{}", b"{}"],
                [b"<IDS|MSG>", good_sig([b"{", b"{}", b"{}", b"{}"]), b"{", b"{}", b"{}", b"{}"],
                [b"<IDS|MSG>", good_sig([b"[]", b"{}", b"{}", b"{}"]), b"[]", b"{}", b"{}", b"{}"],
                [b"<IDS|MSG>", good_sig([b"{}", b"{}", b"{}", b"{}"]), b"{}", b"{}", b"{}", b"{}"],
                [os.urandom(64) for _ in range(7)],
            ]
            for frames in junk:
                sock.send_multipart(frames)
            self.replies(sock, timeout=0.3)
        self.assert_alive()

    def test_unknown_message_type(self):
        sock, info = self.dealer()
        session = Session(key=info["key"], signature_scheme=info["signature_scheme"])
        session.send(sock, "no_such_request", {})
        got = self.replies(sock)
        self.assertEqual(len(got), 1, "an unknown *_request should get an error reply")
        self.assert_alive()


class TestRestartAndShutdown(unittest.TestCase):
    def test_restart_loses_state(self):
        km, kc = start_kernel()
        try:
            execute(kc, "lost := 1")
            pid = km.provisioner.pid if km.provisioner else None
            km.restart_kernel(now=False)
            kc.wait_for_ready(timeout=TIMEOUT)
            reply, _ = execute(kc, "lost")
            self.assertEqual(reply["status"], "error")
            reply, msgs = execute(kc, "1 + 1")
            self.assertEqual(result_of(msgs), "2")
            if pid is not None:
                self.assertNotEqual(km.provisioner.pid, pid)
        finally:
            stop_kernel(km, kc)

    def test_shutdown_during_cell(self):
        km, kc = start_kernel()
        try:
            kc.execute("for {}")
            time.sleep(0.3)
            t0 = time.monotonic()
            kc.shutdown()
            while km.is_alive() and time.monotonic() - t0 < 5:
                time.sleep(0.02)
            self.assertFalse(km.is_alive(), "kernel still running after shutdown_request")
            self.assertLess(time.monotonic() - t0, 1.5)
        finally:
            kc.stop_channels()
            if km.is_alive():
                km.shutdown_kernel(now=True)


if __name__ == "__main__":
    unittest.main()
