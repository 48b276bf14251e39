#!/usr/bin/env python3
"""ONNX Runtime side of the embeddings benchmark: all-MiniLM-L6-v2 exported with torch.onnx
(optimum's exporter conflicts with sentence-transformers 6's transformers 5), run by onnxruntime
on CPU with N threads, mean pooling + L2 like sentence-transformers, on the 256 sentences of
../shared/bench/local/st_sentences.txt in batches of 32. Prints sentences/s (median of reps) and
checks the vectors against sentence-transformers'.

  /tmp/st-venv/bin/pip install onnxruntime onnx     # into the sentence-transformers venv
  /tmp/st-venv/bin/python scripts/bench-onnxruntime.py models/all-MiniLM-L6-v2 [--threads 2] [--reps 3]
"""
import argparse, os, statistics, sys, tempfile, time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
import numpy as np
import onnxruntime as ort
import torch
from transformers import AutoModel, AutoTokenizer

parser = argparse.ArgumentParser()
parser.add_argument("model")
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--reps", type=int, default=3)
parser.add_argument("--batch", type=int, default=32)
parser.add_argument("--sentences", default=None)
args = parser.parse_args()
here = os.path.dirname(os.path.abspath(__file__))
path = args.sentences or next(p for p in [os.path.join(here, "../../shared/bench/local/st_sentences.txt"),
                                         "/work/shared/bench/local/st_sentences.txt"] if os.path.exists(p))
sentences = [line.strip() for line in open(path) if line.strip()]

tokenizer = AutoTokenizer.from_pretrained(args.model)
model = AutoModel.from_pretrained(args.model).eval()
onnx_path = os.path.join(tempfile.mkdtemp(), "minilm.onnx")
sample = tokenizer(["hello world"], return_tensors="pt")
class Encoder(torch.nn.Module):  # keyword arguments: BertModel.forward's positional order changed across versions
    def __init__(self, bert):
        super().__init__()
        self.bert = bert

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state

with torch.no_grad():
    torch.onnx.export(
        Encoder(model), (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]), onnx_path,
        input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["last_hidden_state"],
        dynamic_axes={name: {0: "batch", 1: "sequence"} for name in ["input_ids", "attention_mask", "token_type_ids", "last_hidden_state"]},
        opset_version=17, dynamo=False)
options = ort.SessionOptions()
options.intra_op_num_threads = args.threads
options.inter_op_num_threads = 1
session = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])

def embed(batch):
    encoded = tokenizer(batch, padding=True, truncation=True, max_length=256, return_tensors="np")
    hidden = session.run(None, {k: encoded[k].astype(np.int64) for k in ["input_ids", "attention_mask", "token_type_ids"]})[0]
    mask = encoded["attention_mask"][..., None].astype(np.float32)
    pooled = (hidden * mask).sum(1) / np.clip(mask.sum(1), 1e-9, None)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

embed(sentences[:args.batch])  # warm-up
rates = []
for _ in range(args.reps):
    start = time.perf_counter()
    vectors = np.concatenate([embed(sentences[i:i + args.batch]) for i in range(0, len(sentences), args.batch)])
    rates.append(len(sentences) / (time.perf_counter() - start))
print(f"onnxruntime {ort.__version__}: {statistics.median(rates):.1f} sentences/s (median of {args.reps}; reps "
      + ", ".join(f"{r:.1f}" for r in rates) + f"), {args.threads} threads")
try:
    from sentence_transformers import SentenceTransformer
    reference = SentenceTransformer(args.model, device="cpu").encode(sentences[:8], normalize_embeddings=True)
    print(f"min cosine vs sentence-transformers on 8 sentences: {float((reference * vectors[:8]).sum(1).min()):.6f}")
except Exception as error:
    print(f"(no sentence-transformers comparison: {error})")
