#!/usr/bin/env python3
"""Make the golden fixtures for AjarInference's tokenizer tests (and its Unicode table).

Three subcommands, each run with the interpreter that has its dependency:

  vocab          needs `gguf` (pip install gguf numpy). Reads the tokenizer metadata of a GGUF
                 file and writes Tests/AjarInferenceTests/Fixtures/tokenizer/smollm2-vocab.json:
                 tokens, token types, merges, special ids, flags, pre-tokenizer, chat template.

  tokens         needs `llama_cpp` (pip install llama-cpp-python). Loads the model with
                 `vocab_only=True` and writes Fixtures/tokenizer/llamacpp-tokens.json: for every
                 string in CASES the ids of `llm.tokenize(text, add_bos=False, special=False)`
                 and `special=True`, and the bytes of every token's piece (hex), rendered with
                 and without special tokens. These ids are what the Swift tokenizer must match.

  variants       needs `gguf`. Writes vocabulary-only GGUF files to /tmp/ajar-tokenizer-variants/: the
                 SmolLM2 vocabulary under other pre-tokenizers (gpt-2, llama-bpe, qwen2, default), and a
                 SentencePiece (`llama`) vocabulary derived from it (byte-level tokens decoded, spaces
                 as U+2581, score = -index, plus <0xXX> byte tokens), which is also written to
                 Fixtures/tokenizer/spm-vocab.json. Run it before `tokens`, which then records
                 llama.cpp's ids for these variants too.

  templates      needs `jinja2`. Renders every Fixtures/tokenizer/chat-templates/*.jinja the way HF
                 transformers' apply_chat_template does (sandboxed jinja2, trim_blocks, lstrip_blocks,
                 loopcontrols, raise_exception, json.dumps-based tojson, tools=None) for a few
                 conversations, and writes Fixtures/tokenizer/chat-template-renders.json.

  unicode-table  needs only llama.cpp's `src/unicode-data.cpp` (the copy vendored in the
                 llama-cpp-python sdist used for `tokens`). Writes
                 Sources/AjarInference/Tokenizers/UnicodeCategoryTable.swift, so the Swift
                 pre-tokenizers classify code points (\\p{L}, \\p{N}, \\s, ...) exactly as
                 llama.cpp does.

Usage (from the package root):
  /tmp/gguf-venv/bin/python  scripts/make-tokenizer-fixtures.py vocab
  /tmp/gguf-venv/bin/python  scripts/make-tokenizer-fixtures.py variants
  /tmp/llama-venv/bin/python scripts/make-tokenizer-fixtures.py tokens
  python3 scripts/make-tokenizer-fixtures.py templates
  python3 scripts/make-tokenizer-fixtures.py unicode-table path/to/llama.cpp/src/unicode-data.cpp
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"
FIXTURES = ROOT / "Tests" / "AjarInferenceTests" / "Fixtures" / "tokenizer"
VARIANTS = Path("/tmp/ajar-tokenizer-variants")
BPE_VARIANTS = ["gpt-2", "llama-bpe", "qwen2", "default"]
TABLE = ROOT / "Sources" / "AjarInference" / "Tokenizers" / "UnicodeCategoryTable.swift"

LONG_PARAGRAPH = (
    "Ajar is a self-hosted AI gateway for the balanced approach to AI: neither all-open nor "
    "all-closed, but a door held ajar. One API sits in front of open-weight models that run on "
    "your own machine and closed models behind vendor APIs. Between the two sits what an "
    "organisation needs to use both responsibly: a classifier that finds sensitive spans (e-mail, "
    "phone, card numbers with Luhn, IBAN, national ids, secrets), budgets per key and per team, "
    "a model registry with an openness record per model, and an append-only, hash-chained audit "
    "log of every decision. "
)

# ~60 varied strings; each is tokenized with special=False and special=True.
CASES: list[str] = [
    "Hello world",
    "Hello, world! How are you today?",
    "The quick brown fox jumps over the lazy dog.",
    " Hello",
    "  leading two spaces",
    "trailing space ",
    "trailing spaces   ",
    "",
    " ",
    "\n",
    "\n\n\n",
    "line one\nline two\n\nline four",
    "tab\tseparated\tvalues",
    "\t\tindented",
    "multiple   spaces   between",
    "don't I'll we're they've she'd it's I'm",
    "DON'T I'LL WE'RE THEY'VE",
    "'s 't 'quoted' rock'n'roll",
    "12345678",
    "3.14159 and 2,718 and 1e10",
    "Call 555-123-4567 or +1 (800) 555 0199",
    "x = 42; y = x * 2 + 1",
    "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
    "let xs: [Int32] = [1, 2, 3]\nfor x in xs { print(x) }",
    '{"name": "Ajar", "tokens": [1, 2, 3], "ok": true}',
    '<div class="a">Hi &amp; bye</div>',
    "https://example.com/path?q=1&r=two#frag user@example.org",
    "I love 🍕 and 🚀!",
    "👩‍👩‍👧‍👦 family 👍🏽",
    "你好，世界！",
    "こんにちは世界、カタカナ",
    "안녕하세요 세계",
    "Café naïve résumé façade Ångström",
    "Größe Straße Übermäßig",
    "e\u0301 vs \u00e9",
    "Привет, мир!",
    "Καλημέρα κόσμε",
    "مرحبا بالعالم",
    "नमस्ते दुनिया",
    "สวัสดีชาวโลก",
    "Hello мир 世界 🌍 123 café",
    "Pneumonoultramicroscopicsilicovolcanoconiosis",
    "supercalifragilisticexpialidocious" * 8,
    "a" * 37,
    "<|im_start|>user\nhi<|im_end|>",
    "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n"
    "<|im_start|>assistant\n",
    "<|endoftext|>",
    "text<|im_end|>more",
    "<|im_start|><|im_end|>",
    "<|im_start",
    " <|im_start|> spaced ",
    "<filename>main.py<file_sep>",
    "Wait... what?! (really) [yes] {no} <maybe>",
    "!!!???...,,,;;;",
    "Mr. O'Neill's dog",
    "a\u00a0b\u2003c\u3000d",
    "\r\n windows line endings\r\n",
    "abc123def 4567 ８９",
    "x² + y³ = z⁴ ½ Ⅻ",
    "∀x∈ℝ: x² ≥ 0 → √x ∈ ℝ⁺",
    "$100 €50 £30 ¥1000",
    "bell\u0007 null\u0000 esc\u001b[0m",
    "zero\u200bwidth\u200djoiner\ufeffbom",
    "# Title\n\n- item *one*\n- item **two**\n\n```swift\nprint(1)\n```",
    "\ue000 private \U0010fffd use",
    LONG_PARAGRAPH * 3,
]


def cmd_vocab(args: argparse.Namespace) -> None:
    from gguf import GGUFReader  # type: ignore

    reader = GGUFReader(str(args.model))
    fields = reader.fields

    def value(key: str, default=None):
        field = fields.get(key)
        return default if field is None else field.contents()

    out = {
        "source": Path(args.model).name,
        "model": value("tokenizer.ggml.model"),
        "pre": value("tokenizer.ggml.pre"),
        "tokens": value("tokenizer.ggml.tokens"),
        "tokenTypes": [int(t) for t in value("tokenizer.ggml.token_type", [])],
        "merges": value("tokenizer.ggml.merges", []),
        "bosTokenID": value("tokenizer.ggml.bos_token_id"),
        "eosTokenID": value("tokenizer.ggml.eos_token_id"),
        "unknownTokenID": value("tokenizer.ggml.unknown_token_id"),
        "paddingTokenID": value("tokenizer.ggml.padding_token_id"),
        "addBOS": value("tokenizer.ggml.add_bos_token"),
        "addEOS": value("tokenizer.ggml.add_eos_token"),
        "addSpacePrefix": value("tokenizer.ggml.add_space_prefix"),
        "chatTemplate": value("tokenizer.chat_template"),
    }
    FIXTURES.mkdir(parents=True, exist_ok=True)
    path = FIXTURES / "smollm2-vocab.json"
    path.write_text(json.dumps(out, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"wrote {path} ({path.stat().st_size} bytes, {len(out['tokens'])} tokens, {len(out['merges'])} merges)")


def byte_level_decoder() -> dict[str, int]:
    """GPT-2 bytes_to_unicode, inverted."""
    printable = list(range(0x21, 0x7F)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    mapping = {b: b for b in printable}
    n = 0
    for b in range(256):
        if b not in mapping:
            mapping[b] = 256 + n
            n += 1
    return {chr(c): b for b, c in mapping.items()}


def cmd_variants(args: argparse.Namespace) -> None:
    from gguf import GGUFReader, GGUFValueType, GGUFWriter  # type: ignore

    reader = GGUFReader(str(args.model))
    fields = {k: f for k, f in reader.fields.items() if not k.startswith("GGUF.")}
    VARIANTS.mkdir(parents=True, exist_ok=True)

    def write(path: Path, overrides: dict[str, tuple]) -> None:
        writer = GGUFWriter(str(path), fields["general.architecture"].contents())
        for key, field in fields.items():
            if key == "general.architecture":
                continue  # written by GGUFWriter itself
            if key in overrides:
                continue
            vtype = field.types[0]
            sub = field.types[1] if len(field.types) > 1 else None
            writer.add_key_value(key, field.contents(), vtype, sub)
        for key, (value, vtype, sub) in overrides.items():
            if value is not None:
                writer.add_key_value(key, value, vtype, sub)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_ti_data_to_file()
        writer.close()
        print(f"wrote {path}")

    for pre in BPE_VARIANTS:
        write(VARIANTS / f"{pre}.gguf", {"tokenizer.ggml.pre": (pre, GGUFValueType.STRING, None)})

    # A SentencePiece vocabulary derived from the byte-level one.
    decoder = byte_level_decoder()
    bpe_tokens = fields["tokenizer.ggml.tokens"].contents()
    bpe_types = fields["tokenizer.ggml.token_type"].contents()
    tokens: list[str] = ["<unk>", "<s>", "</s>"]
    types: list[int] = [2, 3, 3]
    tokens += [f"<0x{b:02X}>" for b in range(256)]
    types += [6] * 256
    seen = set(tokens)
    for text, kind in zip(bpe_tokens, bpe_types):
        if kind != 1:
            continue
        try:
            raw = bytes(decoder[c] for c in text).decode("utf-8")
        except (KeyError, UnicodeDecodeError):
            continue
        piece = raw.replace(" ", "\u2581")
        if piece in seen or piece == "":
            continue
        seen.add(piece)
        tokens.append(piece)
        types.append(1)
    scores = [0.0] * 259 + [float(-i) for i in range(len(tokens) - 259)]
    A = GGUFValueType.ARRAY
    write(
        VARIANTS / "spm.gguf",
        {
            "tokenizer.ggml.model": ("llama", GGUFValueType.STRING, None),
            "tokenizer.ggml.pre": (None, None, None),
            "tokenizer.ggml.tokens": (tokens, A, GGUFValueType.STRING),
            "tokenizer.ggml.token_type": (types, A, GGUFValueType.INT32),
            "tokenizer.ggml.scores": (scores, A, GGUFValueType.FLOAT32),
            "tokenizer.ggml.merges": (None, None, None),
            "tokenizer.ggml.bos_token_id": (1, GGUFValueType.UINT32, None),
            "tokenizer.ggml.eos_token_id": (2, GGUFValueType.UINT32, None),
            "tokenizer.ggml.unknown_token_id": (0, GGUFValueType.UINT32, None),
            "tokenizer.ggml.padding_token_id": (None, None, None),
            "tokenizer.ggml.add_bos_token": (None, None, None),
            "tokenizer.ggml.add_space_prefix": (None, None, None),
            "llama.vocab_size": (len(tokens), GGUFValueType.UINT32, None),
        },
    )
    out = {"model": "llama", "tokens": tokens, "tokenTypes": types, "scoreRule": "0 for ids < 259, else 259 - id"}
    path = FIXTURES / "spm-vocab.json"
    path.write_text(json.dumps(out, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"wrote {path} ({len(tokens)} tokens)")


def cmd_tokens(args: argparse.Namespace) -> None:
    llama_cpp = None
    deadline = time.time() + args.wait
    while llama_cpp is None:
        try:
            import llama_cpp as module  # type: ignore

            llama_cpp = module
        except ImportError:
            if time.time() > deadline:
                sys.exit("llama_cpp is not importable; build llama-cpp-python first")
            time.sleep(20)

    import ctypes

    llm = llama_cpp.Llama(model_path=str(args.model), vocab_only=True, verbose=False)
    vocab = llama_cpp.llama_model_get_vocab(llm.model)

    def piece(token: int, special: bool) -> bytes:
        # llama_token_to_piece directly, with a buffer large enough for any token
        # (Llama.detokenize uses 32 bytes).
        buf = ctypes.create_string_buffer(1024)
        n = llama_cpp.llama_token_to_piece(vocab, llama_cpp.llama_token(token), buf, 1024, 0, special)
        assert 0 <= n <= 1024, n
        return buf.raw[:n]

    cases = []
    for text in CASES:
        data = text.encode("utf-8")
        ids = llm.tokenize(data, add_bos=False, special=False)
        ids_special = llm.tokenize(data, add_bos=False, special=True)
        for t in ids:  # our piece() agrees with the public API (which has a 32-byte buffer)
            if len(piece(t, False)) <= 32:
                assert llm.detokenize([t]) == piece(t, False), (text, t)
        cases.append(
            {
                "text": text,
                "ids": ids,
                "idsSpecial": ids_special,
                "pieces": [piece(t, False).hex() for t in ids_special],
                "piecesSpecial": [piece(t, True).hex() for t in ids_special],
            }
        )

    variants: dict[str, dict] = {}
    for name in BPE_VARIANTS + ["spm"]:
        path = VARIANTS / f"{name}.gguf"
        if not path.exists():
            print(f"skipping variant {name}: {path} missing (run `variants` first)")
            continue
        other = llama_cpp.Llama(model_path=str(path), vocab_only=True, verbose=False)
        variants[name] = {
            "ids": [other.tokenize(t.encode("utf-8"), add_bos=False, special=False) for t in CASES],
            "idsSpecial": [other.tokenize(t.encode("utf-8"), add_bos=False, special=True) for t in CASES],
        }
        if name == "spm":
            variants[name]["idsWithBOS"] = [other.tokenize(t.encode("utf-8"), add_bos=True, special=True) for t in CASES]
        del other

    out = {
        "generator": f"llama-cpp-python {llama_cpp.__version__} (llama.cpp vendored), vocab_only=True",
        "model": Path(args.model).name,
        "addBOS": False,
        "cases": cases,
        "eog": [t for t in range(llm.n_vocab()) if llama_cpp.llama_vocab_is_eog(vocab, t)],
        "bos": llama_cpp.llama_vocab_bos(vocab),
        "eos": llama_cpp.llama_vocab_eos(vocab),
        "eot": llama_cpp.llama_vocab_eot(vocab),
        "variants": variants,
    }
    FIXTURES.mkdir(parents=True, exist_ok=True)
    path = FIXTURES / "llamacpp-tokens.json"
    path.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {path} ({len(cases)} cases)")


TEMPLATE_TOKENS = {  # (bos_token, eos_token) of each template's model
    "smollm2-135m-instruct": ("<|im_start|>", "<|im_end|>"),
    "llama-3-8b-instruct": ("<|begin_of_text|>", "<|eot_id|>"),
    "llama-3.1-8b-instruct": ("<|begin_of_text|>", "<|eot_id|>"),
    "qwen2-0.5b-instruct": ("", "<|im_end|>"),
    "qwen2.5-7b-instruct": ("", "<|im_end|>"),
    "phi-3-mini-4k-instruct": ("<s>", "<|endoftext|>"),
    "phi-3.5-mini-instruct": ("<s>", "<|endoftext|>"),
    "gemma-2-2b-it": ("<bos>", "<eos>"),
    "mistral-7b-instruct-v0.3": ("<s>", "</s>"),
    "mistral-nemo-instruct-2407": ("<s>", "</s>"),
}

CONVERSATIONS = {
    "system-user-assistant": (
        [
            ("system", "You are a helpful assistant."),
            ("user", "Hello! What is 2+2?"),
            ("assistant", "  2 + 2 = 4.  "),
        ],
        True,
    ),
    "user-assistant-user": (
        [("user", "Hi"), ("assistant", "Hello there."), ("user", "Tell me a joke about {braces} & 'quotes'.")],
        True,
    ),
    "system-user-assistant-user": (
        [
            ("system", "Answer in French."),
            ("user", "Good morning"),
            ("assistant", "Bonjour !"),
            ("user", "And good night?"),
        ],
        True,
    ),
    "single-user-no-prompt": ([("user", "  Bonjour 🌍\n")], False),
    "user-user": ([("user", "first"), ("user", "second")], True),
}


def cmd_templates(args: argparse.Namespace) -> None:
    import jinja2  # type: ignore
    import jinja2.ext  # type: ignore
    from jinja2.sandbox import ImmutableSandboxedEnvironment  # type: ignore

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception

    directory = FIXTURES / "chat-templates"
    renders = []
    for path in sorted(directory.glob("*.jinja")):
        name = path.stem
        bos, eos = TEMPLATE_TOKENS[name]
        template = env.from_string(path.read_text(encoding="utf-8"))
        for conversation, (messages, add_generation_prompt) in CONVERSATIONS.items():
            entry = {
                "template": name,
                "conversation": conversation,
                "messages": [{"role": r, "content": c} for r, c in messages],
                "addGenerationPrompt": add_generation_prompt,
                "bosToken": bos,
                "eosToken": eos,
            }
            try:
                entry["output"] = template.render(
                    messages=entry["messages"], tools=None, documents=None,
                    add_generation_prompt=add_generation_prompt, bos_token=bos, eos_token=eos,
                )
            except jinja2.exceptions.TemplateError as error:
                entry["error"] = str(error)
            renders.append(entry)
    path = FIXTURES / "chat-template-renders.json"
    path.write_text(json.dumps({"generator": f"jinja2 {jinja2.__version__}", "renders": renders},
                               ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {path} ({len(renders)} renders)")


def cmd_unicode_table(args: argparse.Namespace) -> None:
    source = Path(args.unicode_data).read_text(encoding="utf-8")
    start = source.index("unicode_ranges_flags")
    end = source.index("};", start)
    ranges = [
        (int(a, 16), int(b, 16))
        for a, b in re.findall(r"\{0x([0-9A-Fa-f]+), 0x([0-9A-Fa-f]+)\}", source[start:end])
    ]
    ws_start = source.index("unicode_set_whitespace")
    ws_end = source.index("};", ws_start)
    whitespace = [int(a, 16) for a in re.findall(r"0x([0-9A-Fa-f]+)", source[ws_start:ws_end])]
    assert ranges[0][0] == 0 and ranges[-1][0] == 0x110000
    for _, flags in ranges:
        assert flags & ~0xFF == 0, "category flags fit in a byte"
    # pack: start code point << 8 | llama.cpp category flag byte
    packed = [f"0x{(cpt << 8) | flags:08X}" for cpt, flags in ranges]
    lines = []
    for i in range(0, len(packed), 8):
        lines.append("        " + ", ".join(packed[i : i + 8]) + ",")
    ws_items = [f"0x{c:04X}" for c in whitespace]
    ws = "\n".join("        " + ", ".join(ws_items[i : i + 10]) + "," for i in range(0, len(ws_items), 10))
    text = f"""// Generated by scripts/make-tokenizer-fixtures.py unicode-table from llama.cpp src/unicode-data.cpp
// (unicode_ranges_flags and unicode_set_whitespace). Do not edit by hand.

/// llama.cpp's code point category table, so the pre-tokenizers see \\p{{L}}, \\p{{N}}, \\s … exactly as
/// llama.cpp does (its table may lag or lead the Unicode version of the Swift runtime).
enum UnicodeCategoryTable {{
    /// Ranges as `start << 8 | flags`, ascending; each range ends where the next starts. Flags are
    /// llama.cpp's `unicode_cpt_flags` category bits: 0x01 undefined, 0x02 number, 0x04 letter,
    /// 0x08 separator, 0x10 mark, 0x20 punctuation, 0x40 symbol, 0x80 control. The last entry
    /// (start 0x110000) is a sentinel.
    static let ranges: [UInt32] = [
{chr(10).join(lines)}
    ]

    /// Code points llama.cpp treats as `\\s`.
    static let whitespace: [UInt32] = [
{ws}
    ]
}}
"""
    TABLE.write_text(text, encoding="utf-8")
    print(f"wrote {TABLE} ({len(ranges)} ranges, {len(whitespace)} whitespace code points)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("vocab")
    p.add_argument("--model", type=Path, default=MODEL)
    p.set_defaults(func=cmd_vocab)
    p = sub.add_parser("tokens")
    p.add_argument("--model", type=Path, default=MODEL)
    p.add_argument("--wait", type=float, default=0, help="seconds to wait for llama_cpp to become importable")
    p.set_defaults(func=cmd_tokens)
    p = sub.add_parser("variants")
    p.add_argument("--model", type=Path, default=MODEL)
    p.set_defaults(func=cmd_variants)
    p = sub.add_parser("templates")
    p.set_defaults(func=cmd_templates)
    p = sub.add_parser("unicode-table")
    p.add_argument("unicode_data", type=Path)
    p.set_defaults(func=cmd_unicode_table)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
