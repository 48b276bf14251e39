#!/usr/bin/env python3
"""Reference fixtures from llama.cpp (through llama-cpp-python) for the AjarInference tests.

Writes, under Tests/AjarInferenceTests/Fixtures/llama/:

  meta.json        versions, llama.cpp system info, model SHA-256, settings, the GGUF chat
                   template, the near-tie list (top-1/top-2 logit margin < 0.5), the .bin index,
                   and checks: create_chat_completion vs the manual loop, llama.cpp against itself
                   under other settings (prompt one token at a time, flash attention, f32 KV cache).
  tokenize.json    llama.cpp token ids for a set of texts (tokenize(add_bos=False, special=True)).
  greedy.json      greedy (argmax) decoding, 64 steps, per prompt, with per-step logit statistics.
  logits_<id>.bin  full logit rows (float32, little-endian, row-major [steps, n_vocab]) for the
                   first steps of two prompts (step 0 = the distribution after the prompt).

The schema is described in meta.json["schema"] and meta.json["bins"].

Environment (a venv outside the repository; `pip install` compiles llama.cpp for this CPU, about
5-10 minutes on 2 idle cores, ~35 minutes on a busy machine; needs cmake and a C/C++ compiler:
`apt-get update && apt-get install -y cmake build-essential` if missing):

    python3 -m venv /tmp/llama-venv
    CMAKE_BUILD_PARALLEL_LEVEL=2 /tmp/llama-venv/bin/pip install llama-cpp-python==0.3.36 numpy jinja2

Run (from anywhere; paths are resolved from this file's location):

    scripts/fetch-models            # if models/SmolLM2-135M-Instruct.Q4_1.gguf is missing
    /tmp/llama-venv/bin/python scripts/make-llama-fixtures.py [--model PATH] [--out DIR]

Deterministic: same machine + same llama.cpp build -> byte-identical files (no timestamps are
written). Logits may differ in the last bits on a CPU with other SIMD features, since llama.cpp is
compiled with -march=native; the CPU features are recorded in meta.json.
"""
import argparse
import hashlib
import json
import os
import platform
import re
import sys

import numpy as np
import llama_cpp
from llama_cpp import Llama

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
DEFAULT_MODEL = os.path.join(REPO, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")
DEFAULT_OUT = os.path.join(REPO, "Tests", "AjarInferenceTests", "Fixtures", "llama")

SETTINGS = dict(n_ctx=2048, n_batch=512, n_ubatch=512, n_threads=2, n_threads_batch=2,
                seed=0, logits_all=False, verbose=False)
GREEDY_STEPS = 64
TOP_K = 40
NEAR_TIE = 0.5
FULL_LOGIT_STEPS = 4  # rows stored in each logits_<id>.bin

SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"


def chatml(question, system=SYSTEM):
    return ("<|im_start|>system\n%s<|im_end|>\n<|im_start|>user\n%s<|im_end|>\n"
            "<|im_start|>assistant\n" % (system, question))


# (id, kind, text-or-question). kind "chat": the prompt is chatml(question).
GREEDY_PROMPTS = [
    ("chat_capital_france", "chat", "What is the capital of France?"),
    ("chat_haiku_sea", "chat", "Write a haiku about the sea."),
    ("chat_three_primes", "chat", "List three prime numbers."),
    ("chat_neural_network", "chat", "Explain what a neural network is in one sentence."),
    ("raw_fibonacci", "raw", "def fibonacci(n):"),
    ("raw_quick_brown_fox", "raw", "The quick brown fox"),
    ("raw_once_upon", "raw", "Once upon a time, in a small village by the sea,"),
]
FULL_LOGIT_PROMPTS = ["chat_capital_france", "raw_quick_brown_fox"]

# llama.cpp variants for the self-consistency block of meta.json: (name, Llama kwargs, prompt
# evaluated one token at a time?)
VARIANTS = [
    ("prompt_one_token_per_decode", {}, True),
    ("flash_attn_on", {"flash_attn": True}, False),
    ("kv_cache_f32", {"type_k": 0, "type_v": 0}, False),
]
VARIANT_PROMPTS = ["chat_capital_france", "chat_haiku_sea", "raw_quick_brown_fox"]

# extra tokenizer texts (the chat prompts above are added too)
TOKENIZE_TEXTS = [
    ("empty", ""),
    ("hello_world", "Hello, world!"),
    ("leading_space", " leading space and  two  spaces"),
    ("whitespace_runs", "a\n\nb\t\tc   d\n   \n"),
    ("numbers", "In 2024, 1234567 people paid $3.14 each (12.5%)."),
    ("contractions", "I'm sure they'll say it's fine, won't they? We've DONE it."),
    ("unicode", "Café naïve façade — “quotes” … Zürich, São Paulo, Ελληνικά, Русский"),
    ("cjk_emoji", "你好，世界！こんにちは 😀👍🏽 🇫🇷"),
    ("code", "def fibonacci(n):\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n"),
    ("special_inline", "<|im_start|>user\nhi<|im_end|>\n<|endoftext|>text after"),
    ("special_lookalike", "<|im_start |> <im_end> <|unknown|> <|im_start|"),
    ("quick_brown_fox", "The quick brown fox jumps over the lazy dog."),
]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def f32(x):
    """Shortest decimal that round-trips to the same float32."""
    return float(np.format_float_positional(np.float32(x), unique=True, trim="-"))


def f64(x):
    return float(x)


# ---------------------------------------------------------------- JSON writer
def dumps(obj, depth=0, inline_depth=2):
    """Indented JSON down to `inline_depth` levels; deeper values on one line (diffable, compact)."""
    scalar_list = isinstance(obj, list) and all(not isinstance(v, (dict, list)) for v in obj)
    if depth >= inline_depth or not isinstance(obj, (dict, list)) or not obj or scalar_list:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    pad, pad1 = " " * depth, " " * (depth + 1)
    if isinstance(obj, dict):
        items = ["%s%s: %s" % (pad1, json.dumps(k, ensure_ascii=False), dumps(v, depth + 1, inline_depth))
                 for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    items = [pad1 + dumps(v, depth + 1, inline_depth) for v in obj]
    return "[\n" + ",\n".join(items) + "\n" + pad + "]"


def write_json(path, obj, inline_depth):
    with open(path, "w", encoding="utf-8") as f:
        f.write(dumps(obj, 0, inline_depth))
        f.write("\n")


# ---------------------------------------------------------------- model helpers
def last_logits(llm):
    """Logits of the last evaluated position (float32 copy, length n_vocab), read straight from
    llama.cpp (llama_get_logits_ith(ctx, -1)); with logits_all=False llm.scores is not filled."""
    ptr = llama_cpp.llama_get_logits_ith(llm._ctx.ctx, -1)
    return np.array(np.ctypeslib.as_array(ptr, shape=(llm.n_vocab(),)), dtype=np.float32, copy=True)


def step_stats(logits):
    lg = logits.astype(np.float64)
    order = np.argsort(-logits, kind="stable")  # ties: lower id first, same as np.argmax
    top = order[:TOP_K]
    m = lg.max()
    lse = m + np.log(np.exp(lg - m).sum())
    return {
        "argmax": int(order[0]),
        "margin": f32(float(logits[order[0]]) - float(logits[order[1]])),
        "mean": f64(lg.mean()),
        "logsumexp": f64(lse),
        "top": [[int(i), f32(logits[i])] for i in top],
    }


def llama_build_info():
    """llama.cpp version (llama_version()) and the build commit that the wheel's CMake package
    config records (site-packages/lib/cmake/llama/llama-config.cmake), when present."""
    info = {}
    if hasattr(llama_cpp, "llama_version"):
        info["llama_version"] = llama_cpp.llama_version().decode()
    pkg = os.path.dirname(os.path.dirname(os.path.abspath(llama_cpp.__file__)))
    cfg = os.path.join(pkg, "lib", "cmake", "llama", "llama-config.cmake")
    if os.path.exists(cfg):
        for line in open(cfg, encoding="utf-8", errors="replace"):
            m = re.match(r"\s*set\((LLAMA_BUILD_COMMIT|LLAMA_BUILD_NUMBER|LLAMA_VERSION)\s+(\S+)\)", line)
            if m:
                info[m.group(1)] = m.group(2)
    return info


def piece(llm, tok):
    """The token's vocabulary string (byte-level BPE form, e.g. 'Ġthe')."""
    return llm._model.token_get_text(int(tok))


def render_templates(llm, template, messages):
    """The GGUF chat template rendered two ways: plain jinja2 and llama-cpp-python's formatter."""
    import jinja2
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter
    meta = llm.metadata
    bos = piece(llm, int(meta["tokenizer.ggml.bos_token_id"]))
    eos = piece(llm, int(meta["tokenizer.ggml.eos_token_id"]))
    plain = jinja2.Environment(loader=jinja2.BaseLoader()).from_string(template).render(
        messages=messages, add_generation_prompt=True, bos_token=bos, eos_token=eos)
    lcp = Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos)(messages=messages).prompt
    return plain, lcp


def greedy(llm, prompt_tokens, steps, sequential=False):
    llm.reset()
    if sequential:
        for t in prompt_tokens:
            llm.eval([t])
    else:
        llm.eval(prompt_tokens)
    out, stats, rows = [], [], []
    for _ in range(steps):
        logits = last_logits(llm)
        if len(rows) < FULL_LOGIT_STEPS:
            rows.append(logits)
        s = step_stats(logits)
        assert s["argmax"] == int(np.argmax(logits))
        stats.append(s)
        out.append(s["argmax"])
        llm.eval([s["argmax"]])
    return out, stats, rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--out", default=DEFAULT_OUT)
    args = ap.parse_args()
    if not os.path.exists(args.model):
        sys.exit("model not found: %s (run scripts/fetch-models)" % args.model)
    os.makedirs(args.out, exist_ok=True)
    for f in os.listdir(args.out):  # stale full-logit files from an earlier run
        if f.startswith("logits_") and (f.endswith(".bin") or f.endswith(".f32")):
            os.remove(os.path.join(args.out, f))

    llm = Llama(model_path=args.model, **SETTINGS)
    n_vocab = llm.n_vocab()
    md = llm.metadata
    template = md.get("tokenizer.chat_template")
    eos_id = llm.token_eos()
    bos_id = llm.token_bos()

    # ------------------------------------------------------------ greedy
    greedy_out, near_ties, bins = [], [], []
    chat_template_checks = []
    for pid, kind, text in GREEDY_PROMPTS:
        entry = {"id": pid, "kind": kind}
        if kind == "chat":
            prompt = chatml(text)
            entry["question"] = text
            user_only = [{"role": "user", "content": text}]
            with_sys = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": text}]
            r_user_plain, r_user_lcp = render_templates(llm, template, user_only)
            r_sys_plain, r_sys_lcp = render_templates(llm, template, with_sys)
            entry["template_render"] = {
                "user_only_jinja2": r_user_plain,
                "user_only_llama_cpp_python": r_user_lcp,
                "with_system_jinja2": r_sys_plain,
                "with_system_llama_cpp_python": r_sys_lcp,
                "all_equal_prompt": len({prompt, r_user_plain, r_user_lcp, r_sys_plain, r_sys_lcp}) == 1,
            }
            chat_template_checks.append((pid, entry["template_render"]["all_equal_prompt"]))
        else:
            prompt = text
        entry["prompt"] = prompt
        ptoks = llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
        entry["prompt_ids"] = ptoks
        gen, stats, rows = greedy(llm, ptoks, GREEDY_STEPS)
        eos_step = gen.index(eos_id) if eos_id in gen else None
        entry["generated_ids"] = gen
        entry["eos_step"] = eos_step
        upto = gen[:eos_step] if eos_step is not None else gen
        entry["generated_text_until_eos"] = llm.detokenize(upto).decode("utf-8", "replace")
        entry["generated_text_all"] = llm.detokenize(gen, special=True).decode("utf-8", "replace")
        entry["generated_pieces"] = [piece(llm, t) for t in gen]
        entry["first_near_tie_step"] = next((i for i, st in enumerate(stats) if st["margin"] < NEAR_TIE), None)
        entry["steps"] = stats
        for i, s in enumerate(stats):
            if s["margin"] < NEAR_TIE:
                near_ties.append({"prompt": pid, "step": i, "margin": s["margin"],
                                  "top2": [s["top"][0][0], s["top"][1][0]],
                                  "top2_pieces": [piece(llm, s["top"][0][0]), piece(llm, s["top"][1][0])],
                                  "after_eos": eos_step is not None and i > eos_step})
        if pid in FULL_LOGIT_PROMPTS:
            fname = "logits_%s.bin" % pid
            arr = np.stack(rows).astype("<f4")
            arr.tofile(os.path.join(args.out, fname))
            bins.append({"file": fname, "prompt": pid, "dtype": "float32", "byte_order": "little",
                         "shape": [int(arr.shape[0]), int(arr.shape[1])], "order": "row-major",
                         "rows": "row k = logits after prompt + generated_ids[:k] (row 0 = first step)",
                         "sha256": hashlib.sha256(arr.tobytes()).hexdigest()})
        greedy_out.append(entry)

    # ------------------------------------------------------------ create_chat_completion check
    q = GREEDY_PROMPTS[0][2]
    llm.reset()
    res = llm.create_chat_completion(messages=[{"role": "user", "content": q}], temperature=0.0,
                                     top_k=1, repeat_penalty=1.0, max_tokens=GREEDY_STEPS, seed=0)
    cc_ids = [int(t) for t in llm.input_ids[: llm.n_tokens]]
    manual = greedy_out[0]
    np_ = len(manual["prompt_ids"])
    cc_check = {
        "prompt_id": manual["id"],
        "messages": [{"role": "user", "content": q}],
        "call": "create_chat_completion(temperature=0, top_k=1, repeat_penalty=1.0, max_tokens=%d, seed=0)" % GREEDY_STEPS,
        "evaluated_ids": cc_ids,
        "finish_reason": res["choices"][0]["finish_reason"],
        "content": res["choices"][0]["message"]["content"],
        "prompt_ids_equal_manual": cc_ids[:np_] == manual["prompt_ids"],
        "evaluated_ids_note": "llm.input_ids[:llm.n_tokens] after the call: prompt + generated tokens that were fed back (the last sampled token is not evaluated)",
        "evaluated_ids_equal_manual": cc_ids == (manual["prompt_ids"] + manual["generated_ids"])[:len(cc_ids)],
        "content_equals_manual_until_eos": res["choices"][0]["message"]["content"] == manual["generated_text_until_eos"],
    }

    # ------------------------------------------------------------ same-process checks
    ptoks = greedy_out[0]["prompt_ids"]
    ref_row = np.fromfile(os.path.join(args.out, "logits_%s.bin" % greedy_out[0]["id"]), dtype="<f4", count=n_vocab)
    llm.reset(); llm.eval(ptoks); again = last_logits(llm)
    checks = {"prompt": greedy_out[0]["id"],
              "re_eval_bitwise_identical": bool(np.array_equal(again, ref_row))}

    # ------------------------------------------------------------ llama.cpp against itself
    # The same model under other llama.cpp settings: how far llama.cpp's own logits move, which
    # bounds what a test can demand of another implementation. For each variant: step-0 logits of
    # the first prompt compared with the fixture row, and where greedy decoding of the
    # VARIANT_PROMPTS first leaves the fixture's generated_ids.
    variants = []
    for name, kw, sequential in VARIANTS:
        v = Llama(model_path=args.model, **dict(SETTINGS, **kw))
        ent = {"name": name, "llama_kwargs": kw, "prompt_eval": "one token per llama_decode" if sequential else "one llm.eval() call"}
        for e in greedy_out:
            if e["id"] not in VARIANT_PROMPTS:
                continue
            gen, stats, rows = greedy(v, e["prompt_ids"], GREEDY_STEPS, sequential=sequential)
            div = next((i for i, (a, b) in enumerate(zip(gen, e["generated_ids"])) if a != b), None)
            ent.setdefault("first_divergent_step", {})[e["id"]] = div
            if e["id"] == greedy_out[0]["id"]:
                ref = np.fromfile(os.path.join(args.out, "logits_%s.bin" % e["id"]), dtype="<f4",
                                  count=n_vocab).astype(np.float64)
                got = rows[0].astype(np.float64)
                lr, lg_ = ref - np.logaddexp.reduce(ref), got - np.logaddexp.reduce(got)
                ent["step0_vs_fixture"] = {
                    "prompt": e["id"], "argmax": stats[0]["argmax"], "margin": stats[0]["margin"],
                    "top2": stats[0]["top"][:2],
                    "max_abs_logit_diff": f64(np.abs(got - ref).max()),
                    "mean_abs_logit_diff": f64(np.abs(got - ref).mean()),
                    "max_abs_logprob_diff": f64(np.abs(lg_ - lr).max()),
                    "kl_fixture_to_variant": f64(np.sum(np.exp(lr) * (lr - lg_))),
                }
        variants.append(ent)
        del v

    # ------------------------------------------------------------ logits_all=True gives the same row?
    llm_all = Llama(model_path=args.model, **dict(SETTINGS, logits_all=True))
    llm_all.eval(ptoks)
    all_row = np.asarray(llm_all.scores[llm_all.n_tokens - 1], dtype=np.float32)
    checks["logits_all_true_last_row_bitwise_identical"] = bool(np.array_equal(all_row, ref_row))
    del llm_all

    # ------------------------------------------------------------ tokenize
    tok_texts = list(TOKENIZE_TEXTS)
    for e in greedy_out:
        if e["kind"] == "chat":
            tok_texts.append(("chatml_" + e["id"], e["prompt"]))
    tok_entries = []
    for tid, text in tok_texts:
        b = text.encode("utf-8")
        ids = llm.tokenize(b, add_bos=False, special=True)
        ent = {"id": tid, "text": text, "ids": ids, "pieces": [piece(llm, t) for t in ids],
               "ids_special_false": llm.tokenize(b, add_bos=False, special=False),
               "ids_add_bos_true": llm.tokenize(b, add_bos=True, special=True)}
        ent["detokenize_roundtrip"] = llm.detokenize(ids, special=True) == b
        tok_entries.append(ent)
    write_json(os.path.join(args.out, "tokenize.json"), {
        "call": "llm.tokenize(text.encode('utf-8'), add_bos=False, special=True)",
        "fields": {
            "ids": "tokenize(add_bos=False, special=True): special tokens such as <|im_start|> parsed",
            "pieces": "vocabulary strings of ids (GPT-2 byte-level form: 'Ġ' = space, 'Ċ' = newline)",
            "ids_special_false": "tokenize(add_bos=False, special=False): special-token text tokenised as plain text",
            "ids_add_bos_true": "tokenize(add_bos=True, special=True): llama.cpp adds BOS only if the vocab says so",
            "detokenize_roundtrip": "detokenize(ids, special=True) == text bytes",
        },
        "texts": tok_entries}, inline_depth=3)

    # ------------------------------------------------------------ greedy.json
    write_json(os.path.join(args.out, "greedy.json"), {
        "steps_per_prompt": GREEDY_STEPS, "top_k_stored": TOP_K, "n_vocab": n_vocab,
        "eos_id": eos_id, "system_prompt": SYSTEM, "prompts": greedy_out}, inline_depth=4)

    # ------------------------------------------------------------ meta.json
    sysinfo = llama_cpp.llama_print_system_info().decode().strip()
    md_keep = {k: v for k, v in md.items() if k != "tokenizer.chat_template"}
    focus = [t for t in near_ties if t["prompt"] == "chat_capital_france" and t["step"] == 0]
    s0 = greedy_out[0]["steps"][0]
    meta = {
        "generator": "scripts/make-llama-fixtures.py",
        "llama_cpp_python_version": llama_cpp.__version__,
        "llama_cpp_system_info": sysinfo,
        "llama_cpp_build": {},
        "python": platform.python_version(), "numpy": np.__version__, "machine": platform.machine(),
        "model": {"file": os.path.basename(args.model), "bytes": os.path.getsize(args.model),
                  "sha256": sha256(args.model), "n_vocab": n_vocab, "n_ctx_train": llm._model.n_ctx_train(),
                  "bos_id": bos_id, "eos_id": eos_id,
                  "add_bos_token_metadata": md.get("tokenizer.ggml.add_bos_token"),
                  "add_bos_token_vocab": bool(llm._model.add_bos_token()),
                  "gguf_metadata": md_keep},
        "chat_template": template,
        "settings": dict(SETTINGS, greedy_steps=GREEDY_STEPS, sampling="argmax of raw logits (np.argmax; ties -> lowest id); no temperature, no penalties, no top-k/top-p; EOS does not stop decoding (eos_step records it)",
                         prompt_eval="whole prompt in one llm.eval() call = one llama_decode batch (n_batch 512); then one token per llama_decode",
                         tokenize="add_bos=False, special=True"),
        "near_ties": {"threshold": NEAR_TIE, "count": len(near_ties), "steps": near_ties,
                      "chat_capital_france_step0": {"margin": s0["margin"], "top2": s0["top"][:2],
                                                    "is_near_tie": bool(focus)}},
        "chat_template_equals_handbuilt_chatml": dict(chat_template_checks),
        "create_chat_completion_check": cc_check,
        "same_process_checks": checks,
        "llama_cpp_variants": variants,
        "bins": bins,
        "schema": {
            "greedy.json": {
                "prompts[]": "id, kind ('chat'|'raw'), question (chat only), template_render (chat only), prompt (exact text tokenised), prompt_ids, generated_ids, eos_step, generated_text_until_eos (detokenize without special tokens), generated_text_all (detokenize(special=True) of all steps), generated_pieces (vocab strings), first_near_tie_step, steps",
                "template_render": "the GGUF tokenizer.chat_template rendered with add_generation_prompt=True, with plain jinja2 and with llama-cpp-python's Jinja2ChatFormatter (what create_chat_completion uses), for [user] and [system, user] messages; all_equal_prompt: all four equal `prompt`",
                "eos_step": "index in generated_ids of the first EOS (eos_id), or null; decoding continues past it",
                "first_near_tie_step": "first step whose top-1/top-2 margin is < near_ties.threshold (0.5), or null: generated_ids before it are robust to small numeric differences; from it on, compare teacher-forced (feed generated_ids, compare steps[k]) rather than free-running",
                "steps[k]": "stats of the logits after prompt_ids + generated_ids[:k]: argmax (= generated_ids[k]), margin = top1 - top2 logit, mean and logsumexp over all n_vocab logits (float64), top = [[id, logit], ...] top_k_stored pairs by descending logit (ties lower id first)",
                "logit units": "raw llama.cpp output logits (natural-log scale, pre-softmax); logits are float32 values written as the shortest decimal that round-trips to float32; mean/logsumexp are float64; log-prob of id = logit - logsumexp",
            },
            "logits_<prompt>.bin": "raw float32 little-endian, no header, row-major [rows, n_vocab]; see bins[]",
            "tokenize.json": "texts[]: id, text, ids, pieces, ids_special_false, ids_add_bos_true, detokenize_roundtrip",
        },
    }
    meta["llama_cpp_build"] = llama_build_info()
    write_json(os.path.join(args.out, "meta.json"), meta, inline_depth=3)

    total = sum(os.path.getsize(os.path.join(args.out, f)) for f in os.listdir(args.out))
    print("wrote %s (%d files, %.2f MB)" % (args.out, len(os.listdir(args.out)), total / 1e6))
    print("near ties (< %.1f): %d" % (NEAR_TIE, len(near_ties)))
    for t in near_ties:
        print("  %-24s step %2d margin %.4f top2 %s %s%s" % (t["prompt"], t["step"], t["margin"], t["top2"],
                                                          t["top2_pieces"], " (after EOS)" if t["after_eos"] else ""))
    print("capital-of-France step 0: margin %.4f top2 %s" % (s0["margin"], s0["top"][:2]))
    print("chat template == hand-built ChatML: %s" % dict(chat_template_checks))
    print("create_chat_completion: ids_equal=%s prompt_equal=%s content_equal=%s finish=%s"
          % (cc_check["evaluated_ids_equal_manual"], cc_check["prompt_ids_equal_manual"],
             cc_check["content_equals_manual_until_eos"], cc_check["finish_reason"]))
    print("same-process checks: %s" % checks)
    for v in variants:
        print("variant %s: %s" % (v["name"], json.dumps({k: v[k] for k in v if k != "llama_kwargs"})))


if __name__ == "__main__":
    main()
