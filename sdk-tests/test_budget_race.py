"""Budgets that cannot be overspent, end to end (issue 6): 200 concurrent requests against a key
whose budget covers 50, on SQLite (one `ajar serve`) and on PostgreSQL (two `ajar serve`
processes sharing one database). Every refusal is 429 `insufficient_quota`; what was spent never
passes the budget (all calls have finished, so nothing is in flight)."""

import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import pytest

BIN_DIR = os.environ.get("AJAR_BIN_DIR", ".build/debug")
FAKE_PORT = os.environ.get("FAKE_PORT")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADMIN_KEY = "budget-race-admin-key"
# USD per million tokens: an estimate of (4 prompt + 10 output) tokens is $0.014.
BUDGET_USD = 0.70
ESTIMATE_USD = 0.014


def config_text(storage: str) -> str:
    return f"""
server: {{host: 127.0.0.1, port: 0}}
providers:
  openai: {{type: openai, base_url: "http://127.0.0.1:{FAKE_PORT}/v1", api_key: sk-fake-openai, timeout: 10}}
models:
  budgeted:
    price: {{input: 1000, output: 1000}}
    deployments: [{{provider: openai, model: gpt-4o-mini}}]
auth: {{admin_key: {ADMIN_KEY}}}
storage: {storage}
"""


def start_ajar(config, log_path):
    log = open(log_path, "w")
    process = subprocess.Popen(
        [os.path.join(BIN_DIR, "ajar"), "serve", "--config", config, "--port", "0"], stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        match = re.search(r"ajar listening on http://127\.0\.0\.1:(\d+)", open(log_path).read())
        if match:
            return process, int(match.group(1))
        if process.poll() is not None:
            raise RuntimeError("ajar exited: " + open(log_path).read()[-2000:])
        time.sleep(0.05)
    process.kill()
    raise RuntimeError("ajar did not start")


def post(port, path, body, key):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(),
        headers={"content-type": "application/json", "authorization": f"Bearer {key}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def spent_usd(port):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/usage?group_by=key", headers={"authorization": f"Bearer {ADMIN_KEY}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return sum(row["cost_usd"] for row in json.loads(response.read())["data"])


def race(config, folder, servers):
    created = subprocess.run(
        [os.path.join(BIN_DIR, "ajar"), "keys", "create", "--app", "race", "--budget", f"{BUDGET_USD}/day", "--config", config],
        capture_output=True, text=True, check=True,
    ).stdout
    key = next(line.split()[-1] for line in created.splitlines() if "secret" in line)
    processes = []
    try:
        ports = []
        for n in range(servers):
            process, port = start_ajar(config, os.path.join(folder, f"ajar-{n}.log"))
            processes.append(process)
            ports.append(port)
        body = {"model": "budgeted", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}
        with concurrent.futures.ThreadPoolExecutor(64) as pool:
            replies = list(pool.map(lambda n: (n % servers, *post(ports[n % servers], "/v1/chat/completions", body, key)), range(200)))
        succeeded = [server for server, status, _ in replies if status == 200]
        refused = [reply for _, status, reply in replies if status != 200]
        assert all(status in (200, 429) for _, status, _ in replies), [status for _, status, _ in replies]
        assert all(reply["error"]["type"] == "insufficient_quota" for reply in refused), refused[:3]
        # Each call costs less than its estimate, so at least the 50 the budget covers succeed,
        # and never more than the budget is spent.
        assert len(succeeded) >= int(BUDGET_USD / ESTIMATE_USD + 1e-9), len(succeeded)
        assert refused, "the budget should have run out"
        if servers > 1:
            assert set(succeeded) == set(range(servers)), "every instance should have served some"
        spent = spent_usd(ports[0])
        assert 0 < spent <= BUDGET_USD + 1e-9, spent
        print(f"budget race ({servers} server(s)): {len(succeeded)} succeeded, {len(refused)} refused, spent {spent:.4f} of {BUDGET_USD}")
        return len(succeeded), spent
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=20)


@pytest.mark.skipif(FAKE_PORT is None, reason="needs sdk-tests/run.sh (FAKE_PORT)")
def test_budget_race_sqlite_one_server():
    folder = tempfile.mkdtemp(prefix="ajar-race-")
    try:
        config = os.path.join(folder, "ajar.yaml")
        with open(config, "w") as out:
            out.write(config_text(f"{{sqlite: {folder}/ajar.db}}"))
        race(config, folder, servers=1)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.skipif(FAKE_PORT is None, reason="needs sdk-tests/run.sh (FAKE_PORT)")
def test_budget_race_postgres_two_servers():
    folder = tempfile.mkdtemp(prefix="ajar-race-pg-")
    environment = dict(os.environ, AJAR_PG_OWNER_PID=str(os.getpid()), AJAR_PG_STATE=os.path.join(folder, "pg-state"))
    try:
        url = subprocess.run(
            [os.path.join(REPO, "scripts", "postgres-harness.sh"), "start"], capture_output=True, text=True, check=True,
            env=environment,
        ).stdout.strip()
        assert url.startswith("postgres://"), url
        config = os.path.join(folder, "ajar.yaml")
        with open(config, "w") as out:
            out.write(config_text(f'{{postgres: "{url}"}}'))
        race(config, folder, servers=2)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
