#!/usr/bin/env python3
"""Writes the quantisation fixtures under Tests/AjarInferenceTests/Fixtures/quant/.

Run with the gguf-py venv (the `gguf` PyPI package is ggml's own Python reader, with numpy
(de)quantisation for every type in gguf/quants.py):

    python3 -m venv /tmp/gguf-venv && /tmp/gguf-venv/bin/pip install gguf numpy
    /tmp/gguf-venv/bin/python scripts/make-quant-fixtures.py [models/SmolLM2-135M-Instruct.Q4_1.gguf]

For each type it writes
  <type>.blocks        raw block bytes
  <type>.dequant.f32   gguf-py's dequantisation of those bytes (little-endian float32)
  <type>.input.f32     (types gguf-py can quantise) the deterministic input it quantised
and, from the model file, two real rows (raw bytes and gguf-py's dequantisation):
  model.blk0_attn_q_row7.blocks / .dequant.f32   a Q4_1 row of blk.0.attn_q.weight
  model.token_embd_row1000.blocks / .dequant.f32 a Q8_0 row of token_embd.weight
and manifest.json describing all of them. Everything is deterministic (fixed seeds).
"""
import json
import sys
from pathlib import Path

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T
from gguf.quants import quantize, dequantize

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests" / "AjarInferenceTests" / "Fixtures" / "quant"

# Types gguf-py can quantise (the ggml reference quantisers), and the K-quants it only dequantises.
QUANTISABLE = [T.F16, T.BF16, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0]
RANDOM_BLOCKS = [T.Q4_K, T.Q5_K, T.Q6_K]
ELEMENTS = 256  # 8 blocks of 32, or 1 super-block … per row
ROWS = 2


def deterministic_floats(seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n).astype(np.float32) * np.float32(0.05)
    # A few exact ties and extremes, so rounding rules are exercised.
    x[:4] = np.array([0.0, -0.0, 1.0, -1.0], dtype=np.float32)
    x[4:36] = 0.0  # one all-zero block of 32 (scale 0)
    return x


def random_k_blocks(qtype: T, blocks: int, seed: int) -> np.ndarray:
    """Random bytes with sane fp16 super-block scales (no inf/NaN, magnitudes like real models)."""
    block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
    rng = np.random.default_rng(seed)
    raw = rng.integers(0, 256, size=(blocks, type_size), dtype=np.uint8)
    def half(values):
        return np.asarray(values, dtype=np.float16).view(np.uint8).reshape(blocks, 2)
    if qtype in (T.Q4_K, T.Q5_K):
        raw[:, 0:2] = half(rng.uniform(1e-4, 2e-3, blocks))   # d
        raw[:, 2:4] = half(rng.uniform(1e-4, 2e-3, blocks))   # dmin
    elif qtype == T.Q6_K:
        raw[:, 208:210] = half(rng.uniform(1e-4, 2e-3, blocks) * np.where(rng.random(blocks) < 0.5, -1, 1))
    return raw


def write(name: str, array: np.ndarray) -> None:
    (OUT / name).write_bytes(np.ascontiguousarray(array).tobytes())


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    manifest = {"elementsPerRow": ELEMENTS, "rows": ROWS, "types": {}, "modelRows": []}
    for i, qtype in enumerate(QUANTISABLE):
        x = deterministic_floats(100 + i, ROWS * ELEMENTS).reshape(ROWS, ELEMENTS)
        q = quantize(x, qtype)
        if qtype == T.F16:
            q = q.view(np.uint8)
        deq = dequantize(q, qtype).astype(np.float32)
        name = qtype.name.lower()
        write(f"{name}.input.f32", x)
        write(f"{name}.blocks", q)
        write(f"{name}.dequant.f32", deq)
        manifest["types"][name] = {"id": int(qtype), "source": "gguf-py quantize", "bytes": int(q.size)}
    for i, qtype in enumerate(RANDOM_BLOCKS):
        block_size, _ = gguf.GGML_QUANT_SIZES[qtype]
        raw = random_k_blocks(qtype, ROWS * ELEMENTS // block_size, 200 + i).reshape(ROWS, -1)
        deq = dequantize(raw, qtype).astype(np.float32)
        name = qtype.name.lower()
        write(f"{name}.blocks", raw)
        write(f"{name}.dequant.f32", deq)
        manifest["types"][name] = {"id": int(qtype), "source": "random blocks", "bytes": int(raw.size)}

    model = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if model.exists():
        reader = gguf.GGUFReader(str(model))
        tensors = {t.name: t for t in reader.tensors}
        for tensor_name, row, label in [("blk.0.attn_q.weight", 7, "blk0_attn_q_row7"),
                                        ("token_embd.weight", 1000, "token_embd_row1000")]:
            t = tensors[tensor_name]
            raw = np.asarray(t.data)[row]  # quantised tensors come as [rows][row bytes] uint8
            deq = dequantize(raw, t.tensor_type).astype(np.float32)
            write(f"model.{label}.blocks", raw)
            write(f"model.{label}.dequant.f32", deq)
            manifest["modelRows"].append({"label": label, "tensor": tensor_name, "row": row,
                                          "type": t.tensor_type.name.lower(), "elements": int(deq.size)})
    else:
        print(f"note: {model} not found, model rows skipped", file=sys.stderr)
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    print(f"wrote fixtures to {OUT}")


if __name__ == "__main__":
    main()
