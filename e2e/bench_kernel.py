"""Kernel benchmark: gohpc against ipykernel, measured in the same run.

  launch  time from spawning the kernel process to its kernel_info_reply
  rtt     execute round trip of a trivial cell: request sent -> status idle
          received (the reply and all IOPub traffic included), p50 and p99

The client is raw ZeroMQ plus jupyter_client's Session (signing), so the
client's own overhead stays small and is the same for both kernels.
Usage: bench_kernel.py [--cells N] [--launches N] [--kernels gohpc,python3]
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import zmq
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.session import Session

CODE = {"go": "1", "python": "1"}


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


class Kernel:
    def __init__(self, name):
        self.spec = KernelSpecManager().get_kernel_spec(name)
        self.lang = self.spec.language
        ports = free_ports(5)
        self.info = dict(zip(["shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"], ports),
                         ip="127.0.0.1", transport="tcp", key=uuid.uuid4().hex, signature_scheme="hmac-sha256",
                         kernel_name=name)
        fd, self.path = tempfile.mkstemp(suffix=".json")
        with os.fdopen(fd, "w") as f:
            json.dump(self.info, f)
        self.session = Session(key=self.info["key"].encode(), signature_scheme="hmac-sha256")
        self.ctx = zmq.Context()

    def sock(self, kind, port):
        s = self.ctx.socket(kind)
        s.linger = 0
        s.setsockopt(zmq.RECONNECT_IVL, 2)
        s.connect(f"tcp://127.0.0.1:{self.info[port]}")
        return s

    def launch(self):
        """Spawn the kernel; return seconds until the kernel_info_reply arrives."""
        argv = [a.replace("{connection_file}", self.path) for a in self.spec.argv]
        self.shell = self.sock(zmq.DEALER, "shell_port")
        self.iopub = self.sock(zmq.SUB, "iopub_port")
        self.iopub.setsockopt(zmq.SUBSCRIBE, b"")
        env = dict(os.environ, **self.spec.env)
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.session.send(self.shell, "kernel_info_request", {})
        if not self.shell.poll(30000):
            raise RuntimeError(f"{self.spec.display_name}: no kernel_info_reply")
        self.shell.recv_multipart()
        return time.perf_counter() - t0

    def wait_iopub_ready(self):
        # PUB/SUB joins late: send kernel_info until its status messages arrive.
        for _ in range(200):
            self.session.send(self.shell, "kernel_info_request", {})
            self.shell.recv_multipart()
            if self.iopub.poll(50):
                while self.iopub.poll(50):
                    self.iopub.recv_multipart()
                return
        raise RuntimeError("iopub never delivered")

    def execute(self, code):
        content = {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                   "allow_stdin": False, "stop_on_error": True}
        t0 = time.perf_counter()
        msg = self.session.send(self.shell, "execute_request", content)
        msg_id = msg["header"]["msg_id"]
        self.shell.recv_multipart()
        while True:
            idents, m = self.session.feed_identities(self.iopub.recv_multipart())
            m = self.session.deserialize(m, content=True)
            if (m["msg_type"] == "status" and m["parent_header"].get("msg_id") == msg_id
                    and m["content"]["execution_state"] == "idle"):
                return time.perf_counter() - t0

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.ctx.destroy(linger=0)
        os.unlink(self.path)


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def bench(name, cells, launches):
    starts = []
    for _ in range(launches):
        k = Kernel(name)
        try:
            starts.append(k.launch())
        finally:
            k.stop()
    k = Kernel(name)
    try:
        k.launch()
        k.wait_iopub_ready()
        code = CODE.get(k.lang, "1")
        for _ in range(min(50, cells)):  # warm-up
            k.execute(code)
        rtt = [k.execute(code) for _ in range(cells)]
    finally:
        k.stop()
    return {"kernel": name, "launch_s": statistics.median(starts), "rtt_p50_s": pct(rtt, 50), "rtt_p99_s": pct(rtt, 99)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", type=int, default=1000)
    ap.add_argument("--launches", type=int, default=10)
    ap.add_argument("--kernels", default="gohpc,python3")
    args = ap.parse_args()
    names = args.kernels.split(",")
    res = {n: bench(n, args.cells, args.launches) for n in names}
    print(f"{'kernel':<10} {'launch ms':>10} {'rtt p50 ms':>11} {'rtt p99 ms':>11}")
    for r in res.values():
        print(f"{r['kernel']:<10} {r['launch_s']*1e3:10.1f} {r['rtt_p50_s']*1e3:11.3f} {r['rtt_p99_s']*1e3:11.3f}")
    if len(names) == 2:
        a, b = res[names[0]], res[names[1]]
        print(f"\nratios {names[0]}/{names[1]} (lower is faster): launch {a['launch_s']/b['launch_s']:.3f}, "
              f"rtt p50 {a['rtt_p50_s']/b['rtt_p50_s']:.3f}, rtt p99 {a['rtt_p99_s']/b['rtt_p99_s']:.3f}")
    print(json.dumps(list(res.values())))


if __name__ == "__main__":
    sys.exit(main())
