"""Shared fixtures for the SDK compatibility suite.

The suite expects `ajar serve --config sdk-tests/ajar-sdk.yaml` at AJAR_BASE_URL, with every
provider pointing at `ajar-fake-vendors` (sdk-tests/run.sh starts both). The fake answers
"fake-<vendor> <model>: <last user text>" for normal model names, so each vendor alias has a
known answer.
"""

import os
import urllib.request

import anthropic
import openai
import pytest

BASE_URL = os.environ.get("AJAR_BASE_URL", "http://127.0.0.1:8080").rstrip("/")

# Alias → (x-ajar-deployment of the deployment that answers, the text prefix the fake answers with).
VENDOR_ALIASES = {
    "oa": ("openai/gpt-4o-mini", "fake-openai gpt-4o-mini: "),
    "an": ("anthropic/claude-3-5-haiku-latest", "fake-anthropic claude-3-5-haiku-latest: "),
    "ge": ("gemini/gemini-2.0-flash", "fake-gemini gemini-2.0-flash: "),
}

WEATHER_TOOL_OPENAI = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"location": {"type": "string", "description": "City name"}},
            "required": ["location"],
        },
    },
}

WEATHER_TOOL_ANTHROPIC = {
    "name": "get_weather",
    "description": "Current weather for a city.",
    "input_schema": {
        "type": "object",
        "properties": {"location": {"type": "string", "description": "City name"}},
        "required": ["location"],
    },
}

# A 1x1 transparent PNG.
PNG_1X1_BASE64 = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


@pytest.fixture(scope="session", autouse=True)
def ajar_is_up() -> None:
    """Stops the run at once, with one clear line, when no gateway answers at AJAR_BASE_URL."""
    try:
        with urllib.request.urlopen(BASE_URL + "/health", timeout=5) as response:
            if response.status == 200:
                return
    except OSError as error:
        pytest.exit(f"no Ajar at {BASE_URL} ({error}); run sdk-tests/run.sh, or set AJAR_BASE_URL", returncode=2)
    pytest.exit(f"{BASE_URL}/health did not answer 200; run sdk-tests/run.sh, or set AJAR_BASE_URL", returncode=2)


@pytest.fixture(scope="session")
def base_url() -> str:
    return BASE_URL


@pytest.fixture(scope="session")
def oai() -> openai.OpenAI:
    # No SDK retries: the gateway does its own, and a retried 5xx would hide what it answered.
    return openai.OpenAI(base_url=BASE_URL + "/v1", api_key="anything", max_retries=0, timeout=20)


@pytest.fixture(scope="session")
def ant() -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=BASE_URL, api_key="anything", max_retries=0, timeout=20)
