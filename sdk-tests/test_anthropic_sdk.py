"""The official `anthropic` Python SDK against Ajar's Anthropic dialect (`/v1/messages`).

Every vendor alias (`oa`, `an`, `ge`) must look like Anthropic's Messages API to the SDK: plain
answers, both streaming styles, tool use and tool results, and errors mapped to the SDK's
exception classes.
"""

import json

import anthropic
import pytest

from conftest import PNG_1X1_BASE64, VENDOR_ALIASES, WEATHER_TOOL_ANTHROPIC

ALIASES = list(VENDOR_ALIASES)
QUESTION = "hello there world"
SYSTEM = "You are terse."


def user(text: str = QUESTION) -> list:
    return [{"role": "user", "content": text}]


def expected_text(alias: str, subject: str = QUESTION) -> str:
    return VENDOR_ALIASES[alias][1] + subject


def weather_messages() -> list:
    return [{"role": "user", "content": "What is the weather in Paris today?"}]


def echoed_request(message) -> dict:
    """The upstream request body, as the fake's `echo-request` model answered it."""
    return json.loads(message.content[0].text)


# MARK: - Plain answers


@pytest.mark.parametrize("alias", ALIASES)
def test_message_answers_with_headers_and_usage(ant, alias):
    raw = ant.messages.with_raw_response.create(model=alias, max_tokens=100, system=SYSTEM, messages=user())
    assert raw.headers.get("x-ajar-deployment") == VENDOR_ALIASES[alias][0]
    assert raw.headers.get("x-ajar-request-id")
    message = raw.parse()
    assert message.type == "message"
    assert message.role == "assistant"
    assert message.id
    assert message.model == alias
    assert len(message.content) == 1
    assert message.content[0].type == "text"
    assert message.content[0].text == expected_text(alias)
    assert message.stop_reason == "end_turn"
    assert message.stop_sequence is None
    assert message.usage.input_tokens > 0
    assert message.usage.output_tokens > 0


@pytest.mark.parametrize("alias", ALIASES)
def test_system_as_text_blocks_and_content_as_blocks(ant, alias):
    message = ant.messages.create(
        model=alias,
        max_tokens=100,
        system=[{"type": "text", "text": SYSTEM}],
        messages=[{"role": "user", "content": [{"type": "text", "text": QUESTION}]}],
    )
    assert message.content[0].text == expected_text(alias)


@pytest.mark.parametrize("alias", ALIASES)
def test_max_tokens_truncates(ant, alias):
    message = ant.messages.create(model=alias, max_tokens=2, messages=user())
    assert message.stop_reason == "max_tokens"
    assert message.content[0].text == " ".join(expected_text(alias).split()[:2])


@pytest.mark.parametrize("alias", ALIASES)
def test_stop_sequence_cuts_the_answer(ant, alias):
    message = ant.messages.create(model=alias, max_tokens=100, messages=user(), stop_sequences=["there"])
    assert message.content[0].text == VENDOR_ALIASES[alias][1] + "hello "
    if alias == "an":
        assert message.stop_reason == "stop_sequence"
        assert message.stop_sequence == "there"
    else:
        # OpenAI ("stop") and Gemini ("STOP") do not say whether a stop sequence matched.
        assert message.stop_reason in ("end_turn", "stop_sequence")


@pytest.mark.parametrize("alias", ALIASES)
def test_image_block_is_accepted(ant, alias):
    message = ant.messages.create(
        model=alias,
        max_tokens=100,
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG_1X1_BASE64}},
                    {"type": "text", "text": "describe this picture"},
                ],
            }
        ],
    )
    assert message.content[0].text.startswith(VENDOR_ALIASES[alias][1])
    assert "describe this picture" in message.content[0].text


def test_image_block_reaches_openai_as_image_url(ant):
    message = ant.messages.create(
        model="echo",
        max_tokens=100,
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "describe this picture"},
                    {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG_1X1_BASE64}},
                ],
            }
        ],
    )
    upstream = echoed_request(message)
    parts = upstream["messages"][-1]["content"]
    images = [part for part in parts if part.get("type") == "image_url"]
    assert len(images) == 1
    assert images[0]["image_url"]["url"] == "data:image/png;base64," + PNG_1X1_BASE64


def test_request_reaches_anthropic_upstream_intact(ant):
    message = ant.messages.create(
        model="echo-an",
        max_tokens=123,
        system=SYSTEM,
        messages=user(),
        stop_sequences=["zzz"],
        # This SDK version has no `temperature` argument; the API still takes it.
        extra_body={"temperature": 0.5},
    )
    upstream = echoed_request(message)
    assert upstream["model"] == "echo-request"
    assert upstream["max_tokens"] == 123
    assert upstream["system"] == SYSTEM
    assert upstream["temperature"] == 0.5
    assert upstream["stop_sequences"] == ["zzz"]
    assert upstream["messages"] == [{"role": "user", "content": QUESTION}]


# MARK: - Streaming


@pytest.mark.parametrize("alias", ALIASES)
def test_stream_helper_reassembles_text_and_final_message(ant, alias):
    with ant.messages.stream(model=alias, max_tokens=100, system=SYSTEM, messages=user()) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == expected_text(alias)
    assert final.content[0].type == "text"
    assert final.content[0].text == expected_text(alias)
    assert final.stop_reason == "end_turn"
    assert final.usage.output_tokens > 0
    assert final.usage.input_tokens > 0


def event_types(events) -> list:
    return [event.type for event in events if event.type != "ping"]


@pytest.mark.parametrize("alias", ALIASES)
def test_raw_stream_event_sequence(ant, alias):
    raw = ant.messages.with_raw_response.create(
        model=alias, max_tokens=100, system=SYSTEM, messages=user(), stream=True
    )
    assert raw.headers.get("x-ajar-deployment") == VENDOR_ALIASES[alias][0]
    assert raw.headers.get("content-type", "").startswith("text/event-stream")
    events = list(raw.parse())
    types = event_types(events)
    assert types[:3] == ["message_start", "content_block_start", "content_block_delta"]
    assert types[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    assert set(types[2:-3]) == {"content_block_delta"}
    start = events[0]
    assert start.message.role == "assistant"
    assert start.message.content == []
    text = "".join(
        event.delta.text for event in events if event.type == "content_block_delta" and event.delta.type == "text_delta"
    )
    assert text == expected_text(alias)
    delta = next(event for event in events if event.type == "message_delta")
    assert delta.delta.stop_reason == "end_turn"
    assert delta.usage.output_tokens > 0


@pytest.mark.parametrize("alias", ALIASES)
def test_stream_max_tokens(ant, alias):
    with ant.messages.stream(model=alias, max_tokens=2, messages=user()) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == " ".join(expected_text(alias).split()[:2])
    assert final.stop_reason == "max_tokens"


# MARK: - Tools


def assert_weather_tool_use(block):
    assert block.type == "tool_use"
    assert block.id
    assert block.name == "get_weather"
    assert block.input == {"location": "Paris"}


@pytest.mark.parametrize("alias", ALIASES)
def test_tool_use(ant, alias):
    message = ant.messages.create(
        model=alias, max_tokens=200, messages=weather_messages(), tools=[WEATHER_TOOL_ANTHROPIC]
    )
    assert message.stop_reason == "tool_use"
    tool_uses = [block for block in message.content if block.type == "tool_use"]
    assert len(tool_uses) == 1
    assert_weather_tool_use(tool_uses[0])


@pytest.mark.parametrize("alias", ALIASES)
def test_tool_use_streamed(ant, alias):
    with ant.messages.stream(
        model=alias, max_tokens=200, messages=weather_messages(), tools=[WEATHER_TOOL_ANTHROPIC]
    ) as stream:
        events = list(stream)
        final = stream.get_final_message()
    assert final.stop_reason == "tool_use"
    tool_uses = [block for block in final.content if block.type == "tool_use"]
    assert len(tool_uses) == 1
    assert_weather_tool_use(tool_uses[0])
    # The raw deltas, reassembled by hand, give the same input.
    partial = "".join(
        event.delta.partial_json
        for event in events
        if event.type == "content_block_delta" and event.delta.type == "input_json_delta"
    )
    assert json.loads(partial) == {"location": "Paris"}


@pytest.mark.parametrize("alias", ALIASES)
def test_tool_choice_forces_the_tool(ant, alias):
    message = ant.messages.create(
        model=alias,
        max_tokens=200,
        messages=user("Tell me something."),
        tools=[WEATHER_TOOL_ANTHROPIC],
        tool_choice={"type": "tool", "name": "get_weather"},
    )
    tool_uses = [block for block in message.content if block.type == "tool_use"]
    assert len(tool_uses) == 1
    assert_weather_tool_use(tool_uses[0])


@pytest.mark.parametrize("alias", ALIASES)
def test_tool_result_round_trip(ant, alias):
    first = ant.messages.create(model=alias, max_tokens=200, messages=weather_messages(), tools=[WEATHER_TOOL_ANTHROPIC])
    tool_use = next(block for block in first.content if block.type == "tool_use")
    messages = weather_messages() + [
        {"role": "assistant", "content": [block.model_dump(exclude_none=True) for block in first.content]},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": tool_use.id, "content": "sunny 21C"}],
        },
    ]
    second = ant.messages.create(model=alias, max_tokens=200, messages=messages, tools=[WEATHER_TOOL_ANTHROPIC])
    assert second.stop_reason == "end_turn"
    text = second.content[0].text
    # Gemini carries a tool result as an object, so the fake may see the text wrapped.
    assert text.startswith(VENDOR_ALIASES[alias][1] + "tool result: ")
    assert "sunny 21C" in text


@pytest.mark.parametrize("alias", ALIASES)
def test_tool_result_as_blocks_streamed(ant, alias):
    first = ant.messages.create(model=alias, max_tokens=200, messages=weather_messages(), tools=[WEATHER_TOOL_ANTHROPIC])
    tool_use = next(block for block in first.content if block.type == "tool_use")
    messages = weather_messages() + [
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": tool_use.id, "name": tool_use.name, "input": tool_use.input}],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": tool_use.id, "content": [{"type": "text", "text": "sunny 21C"}]}
            ],
        },
    ]
    with ant.messages.stream(model=alias, max_tokens=200, messages=messages, tools=[WEATHER_TOOL_ANTHROPIC]) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text.startswith(VENDOR_ALIASES[alias][1] + "tool result: ")
    assert "sunny 21C" in text
    assert final.stop_reason == "end_turn"


# MARK: - Errors


def test_missing_max_tokens_is_a_bad_request(ant):
    # The SDK itself refuses a call without max_tokens, so post the malformed body directly.
    with pytest.raises(anthropic.BadRequestError) as caught:
        ant.post("/v1/messages", body={"model": "an", "messages": user()}, cast_to=object)
    assert caught.value.status_code == 400
    assert caught.value.body["type"] == "error"
    assert caught.value.body["error"]["type"] == "invalid_request_error"
    assert "max_tokens" in caught.value.message


def test_unknown_tool_result_id_is_a_bad_request(ant):
    with pytest.raises(anthropic.BadRequestError):
        ant.messages.create(
            model="an",
            max_tokens=100,
            messages=[{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_nope", "content": "x"}]}],
        )


def test_unknown_model_is_not_found(ant):
    with pytest.raises(anthropic.NotFoundError) as caught:
        ant.messages.create(model="no-such-model", max_tokens=100, messages=user())
    assert caught.value.status_code == 404
    assert caught.value.body["error"]["type"] == "not_found_error"


def test_unknown_model_is_not_found_for_streams(ant):
    with pytest.raises(anthropic.NotFoundError):
        with ant.messages.stream(model="no-such-model", max_tokens=100, messages=user()) as stream:
            stream.until_done()


def test_vendor_400_is_passed_on(ant):
    with pytest.raises(anthropic.BadRequestError) as caught:
        ant.messages.create(model="bad", max_tokens=100, messages=user())
    assert caught.value.response.headers.get("x-ajar-deployment") == "openai/error-400"


def test_every_deployment_failing_is_a_502(ant):
    with pytest.raises(anthropic.APIStatusError) as caught:
        ant.messages.create(model="all-fail", max_tokens=100, messages=user())
    assert caught.value.status_code == 502
    assert caught.value.body["type"] == "error"


# MARK: - Fallback


def test_fallback_answers_from_the_second_deployment(ant):
    raw = ant.messages.with_raw_response.create(model="fallback", max_tokens=100, messages=user())
    assert raw.headers.get("x-ajar-deployment") == "anthropic/claude-fallback"
    assert raw.parse().content[0].text == "fake-anthropic claude-fallback: " + QUESTION


def test_stream_dying_before_first_token_falls_back(ant):
    with ant.messages.stream(model="die-first", max_tokens=100, messages=user()) as stream:
        text = "".join(stream.text_stream)
    assert text == "fake-gemini gemini-die-first: " + QUESTION


def test_stream_breaking_after_the_first_token_raises(ant):
    received = []
    with pytest.raises(anthropic.APIError) as caught:
        with ant.messages.stream(model="die-mid", max_tokens=100, messages=user()) as stream:
            for text in stream.text_stream:
                received.append(text)
    # Tokens already sent cannot be taken back: no fallback, the SDK raises the `error` event.
    assert "".join(received).startswith("fake-openai")
    assert "upstream" in str(caught.value).lower()


def test_retry_hides_a_single_upstream_failure(ant):
    # `flaky` fails once per fake-vendor run; whichever test comes first sees the retry.
    message = ant.messages.create(model="flaky", max_tokens=100, messages=user())
    assert message.content[0].text == "fake-openai flaky-1: " + QUESTION


def test_out_of_range_temperature_is_a_bad_request(ant):
    with pytest.raises(anthropic.BadRequestError) as caught:
        ant.messages.create(model="an", max_tokens=100, messages=user(), extra_body={"temperature": 1.5})
    assert "temperature" in caught.value.message


def test_empty_messages_is_a_bad_request(ant):
    with pytest.raises(anthropic.BadRequestError):
        ant.messages.create(model="an", max_tokens=100, messages=[])
