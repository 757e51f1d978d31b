"""Drive a kernel through jupyter_client (libzmq) and print a JSON report.

Usage: python3 jupyter_client_check.py CONNECTION_FILE N_LATENCY

The kernel under test runs the fake interpreter of the kernel package's
tests (commands: print, value, fail, block, input, ...).
"""
import json
import statistics
import sys
import time

from jupyter_client import BlockingKernelClient

cf, n = sys.argv[1], int(sys.argv[2])
kc = BlockingKernelClient(connection_file=cf)
kc.load_connection_file()
kc.start_channels()
kc.wait_for_ready(timeout=20)
report = {}

info = kc.kernel_info(reply=True, timeout=5)["content"]
report["kernel_info"] = [info["status"], info["protocol_version"], info["language_info"]["name"]]

outputs = []
reply = kc.execute_interactive("print hello\nvalue 42", timeout=10, output_hook=lambda m: outputs.append(m))
report["execute"] = [reply["content"]["status"], reply["content"]["execution_count"]]
report["outputs"] = [m["header"]["msg_type"] for m in outputs if m["header"]["msg_type"] != "status"]
report["stream"] = [m["content"].get("text") for m in outputs if m["header"]["msg_type"] == "stream"]

reply = kc.execute_interactive("fail boom", timeout=10, output_hook=lambda m: None)
report["error"] = [reply["content"]["status"], reply["content"]["ename"], reply["content"]["evalue"]]

# stdin: the kernel asks, the client answers.
msg_id = kc.execute("input name?", allow_stdin=True)
req = kc.get_stdin_msg(timeout=5)
report["input_request"] = [req["header"]["msg_type"], req["content"]["prompt"], req["parent_header"]["msg_id"] == msg_id]
kc.input("gopher")
reply = kc._recv_reply(msg_id, timeout=5)
report["input"] = reply["content"]["status"]

# interrupt a running cell through the control channel.
msg_id = kc.execute("block")
time.sleep(0.1)
kc.control_channel.send(kc.session.msg("interrupt_request", {}))
ctrl = kc.get_control_msg(timeout=5)
reply = kc._recv_reply(msg_id, timeout=5)
report["interrupt"] = [ctrl["header"]["msg_type"], ctrl["content"]["status"], reply["content"]["status"], reply["content"].get("ename")]

report["heartbeat"] = kc.hb_channel.is_beating()

# history through the shell.
hist = kc.history(hist_access_type="tail", n=2, output=False, raw=True, reply=True, timeout=5)["content"]
report["history"] = hist["history"]

# latency of a trivial cell: request -> execute_reply.
lat = []
for _ in range(n):
    t0 = time.perf_counter()
    kc.execute("", reply=True, timeout=5, store_history=False)
    lat.append((time.perf_counter() - t0) * 1e3)
lat.sort()
report["latency_ms"] = {
    "p50": statistics.median(lat),
    "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))],
    "n": n,
}

kc.control_channel.send(kc.session.msg("shutdown_request", {"restart": False}))
sd = kc.get_control_msg(timeout=5)
report["shutdown"] = [sd["header"]["msg_type"], sd["content"]["status"], sd["content"]["restart"]]
kc.stop_channels()
print(json.dumps(report))
