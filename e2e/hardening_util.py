"""Probes for gohpc's hardening tests and soak (e2e/test_hardening.py,
e2e/soak.py): the kernel's process (RSS, threads, children, listening
sockets, read from /proc), its goroutine count (asked of a cell: cells run
in the kernel's process), and heartbeat and control round trips on sockets
of their own, so they can be timed from another thread while the test
reads IOPub."""
import os
import threading
import time
import uuid

import zmq
from jupyter_client.session import Session

from gohpc_e2e import execute, result_of


def kernel_pid(km):
    """The kernel process's pid, from the provisioner (jupyter_client 7)."""
    prov = getattr(km, "provisioner", None)
    if prov is not None:
        if getattr(prov, "pid", None):
            return prov.pid
        if getattr(prov, "process", None) is not None:
            return prov.process.pid
    return km.kernel.pid


def proc_status(pid):
    """/proc/PID/status as a dict of str → str."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def rss_mb(pid):
    """Resident set size of pid in MiB (VmRSS)."""
    return int(proc_status(pid)["VmRSS"].split()[0]) / 1024


def threads(pid):
    return int(proc_status(pid)["Threads"])


def alive(pid):
    """pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def _ppids():
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rpartition(")")[2].split()
        except OSError:
            continue
        if fields[0] != "Z":
            out[int(d)] = int(fields[1])
    return out


def descendants(pid):
    """Live (non-zombie) descendants of pid."""
    ppids = _ppids()
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, pp in ppids.items() if pp in frontier} - found
        found |= frontier
    return found


def cell_children(pid):
    """Live descendants of the kernel pid other than its fatal-error witness
    (`gohpc lastwords`, which lives as long as the kernel)."""
    return {p for p in descendants(pid) if not cmdline(p).endswith(" lastwords")}


def witnesses(pid):
    """The kernel's `gohpc lastwords` children."""
    return {p for p in descendants(pid) if cmdline(p).endswith(" lastwords")}


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def processes_matching(text):
    """Live pids whose command line contains text (this process excluded)."""
    me = os.getpid()
    return {p for p in _ppids() if p != me and text in cmdline(p)}


def socket_inodes(pid):
    out = set()
    fd_dir = f"/proc/{pid}/fd"
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            out.add(target[len("socket:["):-1])
    return out


def _hex_addr(text, v6):
    addr, port = text.split(":")
    raw = bytes.fromhex(addr)
    if v6:
        # Four host-order 32-bit words.
        words = [raw[i:i + 4][::-1] for i in range(0, 16, 4)]
        import ipaddress
        return str(ipaddress.IPv6Address(b"".join(words))), int(port, 16)
    return ".".join(str(b) for b in raw[::-1]), int(port, 16)


def listening_sockets(pid):
    """(family, address, port) of every TCP socket pid listens on."""
    inodes = socket_inodes(pid)
    found = []
    for name, v6 in (("tcp", False), ("tcp6", True)):
        try:
            with open(f"/proc/net/{name}") as f:
                lines = f.readlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            cols = line.split()
            if cols[3] == "0A" and cols[9] in inodes:  # TCP_LISTEN
                addr, port = _hex_addr(cols[1], v6)
                found.append((name, addr, port))
    return found


def percentile(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty sequence."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))
    return s[k]


def goroutines(kc):
    """runtime.NumGoroutine() of the kernel process, asked of a cell."""
    reply, msgs = execute(kc, 'import "runtime"\nruntime.NumGoroutine()', store_history=False)
    if reply["status"] != "ok":
        raise RuntimeError(f"NumGoroutine cell failed: {reply}")
    return int(result_of(msgs))


def live_heap_mb(kc):
    """The kernel's live heap in MiB (runtime.MemStats.HeapAlloc right after
    a runtime.GC()), asked of a cell: unlike RSS, free of GC headroom."""
    code = ('import "runtime"\nruntime.GC()\nvar heapStats runtime.MemStats\n'
            'runtime.ReadMemStats(&heapStats)\nheapStats.HeapAlloc')
    reply, msgs = execute(kc, code, store_history=False)
    if reply["status"] != "ok":
        raise RuntimeError(f"MemStats cell failed: {reply}")
    return int(result_of(msgs)) / 2**20


class Heartbeat:
    """A REQ socket on the kernel's heartbeat port."""

    def __init__(self, info):
        self.addr = f"tcp://{info['ip']}:{info['hb_port']}"
        self.sock = None

    def _open(self):
        self.sock = zmq.Context.instance().socket(zmq.REQ)
        self.sock.linger = 0
        self.sock.connect(self.addr)

    def ping(self, timeout=2.0):
        """Round-trip time in seconds, or None when no echo came in time."""
        if self.sock is None:
            self._open()
        payload = uuid.uuid4().bytes
        t0 = time.monotonic()
        self.sock.send(payload)
        if self.sock.poll(timeout * 1000):
            echo = self.sock.recv()
            if echo == payload:
                return time.monotonic() - t0
        self.close()  # a REQ socket without its reply cannot send again
        return None

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None


class Control:
    """A DEALER socket of its own on the kernel's control port."""

    def __init__(self, info):
        self.session = Session(key=info["key"], signature_scheme=info["signature_scheme"])
        self.sock = zmq.Context.instance().socket(zmq.DEALER)
        self.sock.linger = 0
        self.sock.connect(f"tcp://{info['ip']}:{info['control_port']}")

    def kernel_info(self, timeout=2.0):
        """Round-trip time of a kernel_info_request in seconds, or None."""
        msg = self.session.send(self.sock, "kernel_info_request", {})
        t0 = time.monotonic()
        deadline = t0 + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not self.sock.poll(left * 1000):
                return None
            _, reply = self.session.feed_identities(self.sock.recv_multipart())
            reply = self.session.deserialize(reply)
            if reply["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
                return time.monotonic() - t0

    def close(self):
        self.sock.close()


class Prober(threading.Thread):
    """Samples the kernel's RSS and times heartbeat and control round trips
    every `every` seconds until stop()."""

    def __init__(self, pid, info, every=0.2, hb=True, control=True):
        super().__init__(daemon=True)
        self.pid, self.info, self.every = pid, info, every
        self.want_hb, self.want_control = hb, control
        self.rss = []       # MiB
        self.hb = []        # seconds, None for a missed echo
        self.control = []   # seconds, None for a missed reply
        self._halt = threading.Event()

    def run(self):
        hb = Heartbeat(self.info) if self.want_hb else None
        ctl = Control(self.info) if self.want_control else None
        try:
            while not self._halt.is_set():
                try:
                    self.rss.append(rss_mb(self.pid))
                except (FileNotFoundError, ProcessLookupError):
                    return
                if hb:
                    self.hb.append(hb.ping(timeout=2.0))
                if ctl:
                    self.control.append(ctl.kernel_info(timeout=2.0))
                self._halt.wait(self.every)
        finally:
            if hb:
                hb.close()
            if ctl:
                ctl.close()

    def stop(self):
        self._halt.set()
        self.join(10)

    @staticmethod
    def summary(values):
        got = [v for v in values if v is not None]
        if not got:
            return "none answered"
        return (f"{len(got)}/{len(values)} answered, p50 {percentile(got, 50) * 1e3:.1f} ms, "
                f"max {max(got) * 1e3:.1f} ms")
