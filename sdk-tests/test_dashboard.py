"""The web dashboard (/ui) in a real browser: Debian's chromium, headless, driven by Playwright
(its own browser downloads are not used: `executable_path` points at the system chromium).

The suite's shared `ajar serve` has no admin key, so its dashboard must say how to set one. The
rest runs against a second `ajar serve` started here with AJAR_ADMIN_KEY and its own SQLite file
(the same models, plus an openness record for the local model and an e-mail policy): log in
through the form, visit every page, create a key through the form and use it, revoke it, run
the policy explain form, verify the audit chain. Screenshots go to a temporary directory that
is deleted afterwards (set AJAR_SCREENSHOTS=DIR to keep them there instead).
"""

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

from conftest import BASE_URL

BIN_DIR = os.environ.get("AJAR_BIN_DIR", ".build/debug")
FAKE_PORT = os.environ.get("FAKE_PORT")
ADMIN_KEY = "ajar-admin-browser-test-" + os.urandom(8).hex()
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def chromium_path():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is in sdk-tests/requirements.txt")
    path = chromium_path()
    assert path, "chromium is not installed: scripts/test and sdk-tests/run.sh install Debian's chromium"
    with playwright_api.sync_playwright() as playwright:
        # --no-sandbox: the tests run as root, where chromium's sandbox refuses to start.
        launched = playwright.chromium.launch(executable_path=path, headless=True, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def shots():
    keep = os.environ.get("AJAR_SCREENSHOTS")
    folder = keep or tempfile.mkdtemp(prefix="ajar-dashboard-shots-")
    os.makedirs(folder, exist_ok=True)
    yield folder
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def admin_ajar():
    """A second gateway with an admin key and a fresh store; yields its base URL."""
    if FAKE_PORT is None:
        pytest.skip("needs sdk-tests/run.sh (FAKE_PORT)")
    folder = tempfile.mkdtemp(prefix="ajar-dashboard-")
    config = os.path.join(folder, "ajar.yaml")
    source = open(os.path.join(os.path.dirname(__file__), "ajar-sdk.yaml")).read()
    source = source.replace("${FAKE_PORT}", FAKE_PORT).replace("../models/", os.path.join(REPO, "models") + "/")
    source = source.replace(
        "  smollm2-135m-instruct:\n",
        "  smollm2-135m-instruct:\n"
        "    openness: {weights: open, code: open, training_data: open, documentation: open, licence: Apache-2.0}\n",
    )
    source = source.replace("  oa:\n", "  oa:\n    price: {input: 150, output: 600}\n", 1)
    with open(config, "w") as out:
        out.write(source)
        out.write(f"\nstorage:\n  sqlite: {folder}/ajar.db\npolicy:\n  data:\n    email: pseudonymise\n")
    log = open(os.path.join(folder, "ajar.log"), "w")
    environment = dict(os.environ, AJAR_ADMIN_KEY=ADMIN_KEY)
    process = subprocess.Popen(
        [os.path.join(BIN_DIR, "ajar"), "serve", "--config", config, "--port", "0"],
        stdout=log, stderr=subprocess.STDOUT, env=environment,
    )
    try:
        deadline = time.monotonic() + 60
        port = None
        while time.monotonic() < deadline and port is None:
            match = re.search(r"ajar listening on http://127\.0\.0\.1:(\d+)", open(log.name).read())
            if match:
                port = int(match.group(1))
            elif process.poll() is not None:
                raise RuntimeError("ajar exited: " + open(log.name).read()[-2000:])
            else:
                time.sleep(0.05)
        assert port, "ajar did not start: " + open(log.name).read()[-2000:]
        yield f"http://127.0.0.1:{port}"
        assert ADMIN_KEY not in open(log.name).read(), "the admin key must never be logged"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(folder, ignore_errors=True)


def submit(page, selector):
    """Clicks a submit button and waits for the page it leads to."""
    with page.expect_navigation():
        page.click(selector)


def chat(base, secret, model, text):
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": text}]}).encode()
    request = urllib.request.Request(
        base + "/v1/chat/completions", data=body,
        headers={"content-type": "application/json", "authorization": "Bearer " + secret},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_dashboard_without_admin_key_says_how_to_set_one(browser, shots):
    page = browser.new_page()
    page.goto(BASE_URL + "/ui")
    text = page.inner_text("body")
    assert "No admin key configured" in text
    assert "AJAR_ADMIN_KEY" in text
    page.screenshot(path=os.path.join(shots, "no-admin-key.png"), full_page=True)
    page.close()


def test_dashboard_in_a_browser(browser, shots, admin_ajar):
    base = admin_ajar
    page = browser.new_page(viewport={"width": 1400, "height": 1000})

    # Any page without a session leads to the login form; a wrong key is refused.
    page.goto(base + "/ui/keys")
    assert "/ui/login" in page.url
    page.fill("input[name=key]", "not-the-admin-key")
    submit(page, "button[type=submit]")
    assert "That is not the admin key." in page.inner_text("body")
    page.fill("input[name=key]", ADMIN_KEY)
    submit(page, "button[type=submit]")
    page.wait_for_url(base + "/ui/keys")
    cookies = page.context.cookies()
    session = [c for c in cookies if c["name"] == "ajar_session"]
    assert session and session[0]["httpOnly"] and session[0]["sameSite"] == "Strict"
    assert ADMIN_KEY not in session[0]["value"]

    # Keys: create one through the form; the secret is shown once.
    page.fill("#create-key input[name=app]", "browser-app")
    page.fill("#create-key input[name=team]", "browser-team")
    page.fill("#create-key input[name=budget]", "5/day")
    submit(page, "#create-key button[type=submit]")
    secret = page.inner_text("#new-secret").strip()
    assert secret.startswith("ajar-sk-")
    assert "browser-app" in page.inner_text("#keys-table")
    page.screenshot(path=os.path.join(shots, "keys-created.png"), full_page=True)
    key_id = page.get_attribute("#keys-table button[data-key]", "data-key")
    assert key_id and key_id.startswith("key_")

    # Traffic for the other pages: a closed model with an e-mail (pseudonymised), the local open model.
    assert chat(base, secret, "oa", "Please write to jane.doe@example.com") == 200
    assert chat(base, secret, "oa", "Hello") == 200
    page.goto(base + "/ui/keys")
    assert secret not in page.content(), "the secret is shown only once"

    # Models: open and closed side by side, with their openness classes.
    page.goto(base + "/ui/models")
    open_column = page.inner_text("#open-models")
    closed_column = page.inner_text("#closed-models")
    assert "smollm2-135m-instruct" in open_column and "open-science" in open_column
    assert "licence Apache-2.0" in open_column
    for alias in ("oa", "an", "ge"):
        assert page.locator(f'#closed-models article[data-alias="{alias}"]').count() == 1
    assert "closed" in closed_column
    assert "2 requests" in page.inner_text('article[data-alias="oa"]')
    page.screenshot(path=os.path.join(shots, "models.png"), full_page=True)

    # Spend: charts drawn by the server, the key and team, the budget left.
    page.goto(base + "/ui/spend")
    assert page.locator("svg#cost-chart rect").count() >= 1
    assert "browser-app" in page.inner_text("#spend-by-key")
    assert "browser-team" in page.inner_text("#spend-by-team")
    assert "oa" in page.inner_text("#spend-by-model")
    budgets = page.inner_text("#budgets")
    assert key_id in budgets and "$5.00" in budgets
    page.screenshot(path=os.path.join(shots, "spend.png"), full_page=True)

    # Policy: the e-mail was found and pseudonymised; the explain form answers (or shows its error).
    page.goto(base + "/ui/policy")
    assert "email" in page.inner_text("#class-actions")
    assert "pseudonymised" in page.inner_text("#actions-table")
    assert "actions=email:pseudonymise" in page.inner_text("#latest-decisions")
    assert "jane.doe@example.com" not in page.inner_text("#latest-decisions")
    page.click("#explain-form button[type=submit]")
    # A selector wait: polling a JavaScript expression needs eval, which the page's CSP forbids.
    page.wait_for_selector("#explain-result[data-status]")
    result = page.inner_text("#explain-result")
    status = page.get_attribute("#explain-result", "data-status")
    assert result.startswith("HTTP " + status)
    assert status == "200", result
    explanation = json.loads(result.split("\n", 1)[1])
    assert explanation["decision"] == "route" and "email" in explanation["data_classes"]
    assert "jane.doe@example.com" not in json.dumps(explanation.get("vendor_messages", []))
    # As another tier: the unacceptable tier refuses everything.
    page.select_option("#explain-tier", "unacceptable")
    page.click("#explain-form button[type=submit]")  # the script clears data-status as it starts
    page.wait_for_selector("#explain-result[data-status]")
    refused = json.loads(page.inner_text("#explain-result").split("\n", 1)[1])
    assert refused["decision"] == "refuse"
    page.screenshot(path=os.path.join(shots, "policy.png"), full_page=True)

    # Audit: the chain with the admin action, filterable, and a live verify.
    page.goto(base + "/ui/audit")
    assert "key.created" in page.inner_text("#audit-table")
    page.fill("#audit-filters input[name=app]", "browser-app")
    submit(page, "#audit-filters button[type=submit]")
    table = page.inner_text("#audit-table")
    assert "browser-app" in table and "key.created" not in table
    with page.expect_navigation():
        page.click("#verify-link")
    assert "The chain is intact" in page.inner_text("#verify-result")
    page.screenshot(path=os.path.join(shots, "audit.png"), full_page=True)

    # Revoke through the form: the key stops working at once.
    page.goto(base + "/ui/keys")
    submit(page, f'#keys-table button[data-key="{key_id}"]')
    assert key_id in page.inner_text("#revoked-key")
    assert chat(base, secret, "oa", "after revoking") == 401
    page.screenshot(path=os.path.join(shots, "keys-revoked.png"), full_page=True)
    page.close()
