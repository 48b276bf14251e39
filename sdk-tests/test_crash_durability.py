"""Nothing committed is lost: `ajar serve` killed with SIGKILL under load, then every request
that got a 2xx has its audit record and the hash chain verifies (issue 6)."""

import concurrent.futures
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.request

import pytest

BIN_DIR = os.environ.get("AJAR_BIN_DIR", ".build/debug")
FAKE_PORT = os.environ.get("FAKE_PORT")


def start_ajar(config, log):
    process = subprocess.Popen(
        [os.path.join(BIN_DIR, "ajar"), "serve", "--config", config, "--port", "0"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with open(log.name) as text:
            match = re.search(r"ajar listening on http://127\.0\.0\.1:(\d+)", text.read())
        if match:
            return process, int(match.group(1))
        if process.poll() is not None:
            raise RuntimeError("ajar exited: " + open(log.name).read()[-2000:])
        time.sleep(0.05)
    process.kill()
    raise RuntimeError("ajar did not start")


def chat(port, text):
    body = json.dumps({"model": "oa", "messages": [{"role": "user", "content": text}]}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/chat/completions", data=body, headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.headers["x-ajar-request-id"]


@pytest.mark.skipif(FAKE_PORT is None, reason="needs sdk-tests/run.sh (FAKE_PORT)")
def test_sigkill_under_load_loses_no_acknowledged_record():
    folder = tempfile.mkdtemp(prefix="ajar-crash-")
    try:
        config = os.path.join(folder, "ajar.yaml")
        source = open(os.path.join(os.path.dirname(__file__), "ajar-sdk.yaml")).read()
        with open(config, "w") as out:
            out.write(source.replace("${FAKE_PORT}", FAKE_PORT))
            out.write(f"\nstorage:\n  sqlite: {folder}/ajar.db\n")
        log = open(os.path.join(folder, "ajar.log"), "w")
        process, port = start_ajar(config, log)

        acknowledged = []
        lock = threading.Lock()
        stop = threading.Event()

        def client(n):
            i = 0
            while not stop.is_set():
                i += 1
                try:
                    status, request_id = chat(port, f"client {n} request {i}")
                except Exception:
                    return  # the server died under us
                if 200 <= status < 300:
                    with lock:
                        acknowledged.append(request_id)

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            for n in range(8):
                pool.submit(client, n)
            # Load until enough answers are in, then kill mid-flight.
            deadline = time.monotonic() + 20
            while len(acknowledged) < 60 and time.monotonic() < deadline:
                time.sleep(0.02)
            process.send_signal(signal.SIGKILL)
            process.wait()
            stop.set()
        assert len(acknowledged) >= 60, "the server should have answered under load before the kill"

        verify = subprocess.run(
            [os.path.join(BIN_DIR, "ajar"), "audit", "verify", "--config", config], capture_output=True, text=True
        )
        assert verify.returncode == 0, verify.stdout + verify.stderr
        export = subprocess.run(
            [os.path.join(BIN_DIR, "ajar"), "audit", "export", "--format", "jsonl", "--config", config],
            capture_output=True, text=True, check=True,
        )
        audited = {json.loads(line)["record"]["request_id"] for line in export.stdout.splitlines()}
        missing = [rid for rid in acknowledged if rid not in audited]
        assert not missing, f"{len(missing)} acknowledged requests have no audit record, e.g. {missing[:3]}"

        # The restarted server keeps appending to the same intact chain.
        log2 = open(os.path.join(folder, "ajar2.log"), "w")
        process, port = start_ajar(config, log2)
        try:
            status, _ = chat(port, "after the crash")
            assert status == 200
        finally:
            process.terminate()
            process.wait(timeout=10)
        verify = subprocess.run(
            [os.path.join(BIN_DIR, "ajar"), "audit", "verify", "--config", config], capture_output=True, text=True
        )
        assert verify.returncode == 0, verify.stdout
        assert f"{len(audited) + 1} records" in verify.stdout or "intact" in verify.stdout
    finally:
        shutil.rmtree(folder, ignore_errors=True)
