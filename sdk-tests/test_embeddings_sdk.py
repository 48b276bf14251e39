"""`client.embeddings.create` with the official openai SDK: the in-process BERT model, and the
OpenAI and Gemini embeddings APIs behind the gateway (played by the loopback fakes)."""

import math

import openai
import pytest

from conftest import BASE_URL


@pytest.fixture
def client():
    return openai.OpenAI(base_url=BASE_URL + "/v1", api_key="unused", max_retries=0)


def norm(vector):
    return math.sqrt(sum(x * x for x in vector))


def cosine(a, b):
    return sum(x * y for x, y in zip(a, b)) / (norm(a) * norm(b))


def test_local_minilm_embeds_unit_vectors_of_384(client):
    texts = ["A man is eating food.", "A man is eating a piece of bread.", "The stock market fell sharply today."]
    result = client.embeddings.create(model="all-minilm-l6-v2", input=texts)  # the SDK asks for base64
    assert [item.index for item in result.data] == [0, 1, 2]
    vectors = [item.embedding for item in result.data]
    assert all(len(v) == 384 for v in vectors)
    assert all(abs(norm(v) - 1) < 1e-4 for v in vectors)
    # Paraphrases are closer than unrelated sentences.
    assert cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2]) + 0.2
    assert result.usage.prompt_tokens > 10
    assert result.model == "all-minilm-l6-v2"


def test_local_minilm_float_format_and_token_ids(client):
    as_floats = client.embeddings.create(model="all-minilm-l6-v2", input="hello world", encoding_format="float")
    # [CLS] hello world [SEP] in all-MiniLM-L6-v2's vocabulary.
    as_ids = client.embeddings.create(model="all-minilm-l6-v2", input=[101, 7592, 2088, 102])
    assert cosine(as_floats.data[0].embedding, as_ids.data[0].embedding) > 0.9999


def test_local_minilm_refuses_dimensions_it_cannot_give(client):
    with pytest.raises(openai.BadRequestError) as error:
        client.embeddings.create(model="all-minilm-l6-v2", input="hi", dimensions=128)
    assert "dimensions" in str(error.value)


@pytest.mark.parametrize("alias", ["oa-embed", "ge-embed"])
def test_vendor_embeddings_through_the_gateway(client, alias):
    result = client.embeddings.create(model=alias, input=["first text", "second text"], dimensions=64)
    assert len(result.data) == 2
    assert all(len(item.embedding) == 64 for item in result.data)
    assert result.data[0].embedding != result.data[1].embedding


def test_bad_embeddings_requests_are_400(client):
    for bad in [dict(input=""), dict(input=[]), dict(input=[1, "a"]), dict(input="x", encoding_format="int8")]:
        with pytest.raises(openai.BadRequestError):
            client.embeddings.create(model="all-minilm-l6-v2", **bad)


def test_smollm2_streams_an_answer(client):
    stream = client.chat.completions.create(
        model="smollm2-135m-instruct", stream=True, max_tokens=24, temperature=0,
        messages=[{"role": "user", "content": "Which city is the capital of France? Answer with the city name."}],
    )
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    assert "Paris" in text
