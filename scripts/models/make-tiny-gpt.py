"""Makes models/tiny-gpt/: a small GPT-style language model of our own, trained on the built-in
engine's corpus (src/serving/engines/builtin/corpus/*.txt), with its byte-level BPE tokenizer.

  model.onnx       the decoder in Hugging Face Optimum's layout, one graph for prefill and decode:
                   input_ids, attention_mask, position_ids INT64 [batch, seq | past+seq],
                   past_key_values.N.key/value FP32 [batch, heads, past, head_dim] (past 0..n)
                   -> logits FP32 [batch, seq, vocab], present.N.key/value [batch, heads, past+seq, head_dim]
  tokenizer.json   Hugging Face format: BPE model, ByteLevel pre-tokenizer and decoder, <|endoftext|>
  config.json      GPT-2's field names: n_layer, n_head, n_embd, n_positions, vocab_size, eos_token_id
  reference.json   for tests: sample texts with the token ids this script's tokenizer gives, and
                   greedy continuations PyTorch computes (token ids)

The model: token + learned position embeddings, LAYERS pre-LayerNorm blocks (HEADS-head causal
self-attention, 4x GELU feed-forward), final LayerNorm, output projection tied to the token
embeddings. Documents are separated by <|endoftext|>, so the model learns to end a text.

CPU-light on purpose (the machine is shared): one thread, fixed seeds, a fixed number of steps;
run it niced:
  nice -n 19 /usr/bin/python3 scripts/models/make-tiny-gpt.py     (Debian's python3-torch, python3-onnx)
Debian's torch multiplies with the reference BLAS (about 6 GFLOP/s on one thread here, an hour of
training); OpenBLAS is 15x faster. Without installing it system-wide:
  apt-get download libopenblas0-pthread && dpkg -x libopenblas0-pthread_*.deb /tmp/openblas
  OPENBLAS_NUM_THREADS=1 LD_LIBRARY_PATH=/tmp/openblas/usr/lib/x86_64-linux-gnu/openblas-pthread nice -n 19 /usr/bin/python3 ...
The committed model was trained that way (1,200 steps, 10 minutes on one shared core). Same BLAS,
same bytes; another BLAS rounds differently and gives a slightly different model.
"""
import glob
import json
import math
import os
import re
import sys
import time

import torch
from torch import nn

import bpe

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
CORPUS = os.path.join(ROOT, "src", "serving", "engines", "builtin", "corpus")
OUT = os.path.join(ROOT, "models", "tiny-gpt")
MERGES, LAYERS, HEADS, EMBED, CONTEXT = 2000, 4, 4, 256, 256
STEPS, BATCH, LR = int(os.environ.get("TINY_GPT_STEPS", "1200")), 4, 3e-3
HEAD_DIM = EMBED // HEADS
SAMPLES = [
    "The river",
    "In the spring, the town",
    "Hello, world! It's 2024: 3.14 -- naive cafe\u0301 costs \u20ac5 \U0001F600.",
    "  leading spaces,\ttabs\nand new lines\n\nwith    runs   of spaces ",
    "don't we'll they've I'm she'd it's you're",
    "snake_case and CamelCase; x=y+z*2 (a/b) [c] {d} <|endoftext|> after the end",
]
PROMPTS = ["The river", "In the kitchen", "The network"]


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(EMBED), nn.LayerNorm(EMBED)
        self.qkv, self.proj = nn.Linear(EMBED, 3 * EMBED), nn.Linear(EMBED, EMBED)
        self.up, self.down = nn.Linear(EMBED, 4 * EMBED), nn.Linear(4 * EMBED, EMBED)

    def forward(self, x, bias, past_k, past_v):
        b, s, _ = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(b, s, 3, HEADS, HEAD_DIM).permute(2, 0, 3, 1, 4).unbind(0)
        k, v = torch.cat([past_k, k], dim=2), torch.cat([past_v, v], dim=2)
        scores = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(HEAD_DIM)) + bias
        x = x + self.proj((scores.softmax(-1) @ v).transpose(1, 2).reshape(b, s, EMBED))
        return x + self.down(nn.functional.gelu(self.up(self.ln2(x)))), k, v


class TinyGpt(nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.tokens, self.positions = nn.Embedding(vocab, EMBED), nn.Embedding(CONTEXT, EMBED)
        self.blocks = nn.ModuleList(Block() for _ in range(LAYERS))
        self.ln = nn.LayerNorm(EMBED)
        for name, p in self.named_parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02 / (math.sqrt(2 * LAYERS) if name.endswith(("proj.weight", "down.weight")) else 1))

    def forward(self, input_ids, attention_mask, position_ids, *past):
        """Optimum's decoder signature: past is (key0, value0, key1, value1, ...); returns
        (logits, present key0, value0, ...). Key slot j is seen by query i (slot past+i) when
        j <= past + i and attention_mask[j] is 1."""
        s, total = input_ids.shape[1], attention_mask.shape[1]
        query_slot = torch.arange(s, dtype=torch.int64).unsqueeze(1) + (total - s)
        causal = torch.arange(total, dtype=torch.int64).unsqueeze(0) <= query_slot
        allowed = causal.unsqueeze(0).unsqueeze(0) & (attention_mask > 0).unsqueeze(1).unsqueeze(1)
        bias = (~allowed).to(torch.float32) * -1e9
        x = self.tokens(input_ids) + self.positions(position_ids)
        present = []
        for i, block in enumerate(self.blocks):
            x, k, v = block(x, bias, past[2 * i], past[2 * i + 1])
            present += [k, v]
        return (self.ln(x) @ self.tokens.weight.t(), *present)


def empty_past(batch):
    return [torch.zeros(batch, HEADS, 0, HEAD_DIM) for _ in range(2 * LAYERS)]


def read_documents():
    docs = []
    for path in sorted(glob.glob(os.path.join(CORPUS, "*.txt"))):
        text = open(path, encoding="utf-8").read().replace("\r\n", "\n")
        docs += [d.strip() for d in re.split(r"^\* \* \*[ \t]*$", text, flags=re.M) if d.strip()]
    return docs


def train(model, data):
    """Next-token loss on random windows of CONTEXT + 1 tokens; AdamW, warm-up then cosine decay."""
    opt = torch.optim.AdamW(model.parameters(), lr=LR, betas=(0.9, 0.95), weight_decay=0.01)
    ones = torch.ones(BATCH, CONTEXT, dtype=torch.int64)
    positions = torch.arange(CONTEXT).expand(BATCH, CONTEXT)
    started = time.time()
    for step in range(STEPS):
        lr = LR * min(1.0, (step + 1) / 20) * 0.5 * (1 + math.cos(math.pi * step / STEPS))
        for g in opt.param_groups:
            g["lr"] = lr
        starts = torch.randint(0, len(data) - CONTEXT - 1, (BATCH,))
        batch = torch.stack([data[s:s + CONTEXT + 1] for s in starts])
        logits = model(batch[:, :-1], ones, positions, *empty_past(BATCH))[0]
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 25 == 0 or step == STEPS - 1:
            print(f"step {step} loss {loss.item():.3f} lr {lr:.5f} ({time.time() - started:.0f} s)", flush=True)
    return loss.item()


@torch.no_grad()
def greedy(model, ids, count, eot):
    """Greedy continuation with the KV cache, as an engine runs it: a prefill, then one token a step."""
    n = len(ids)
    out = model(torch.tensor([ids]), torch.ones(1, n, dtype=torch.int64), torch.arange(n).unsqueeze(0), *empty_past(1))
    generated = []
    while len(generated) < count:
        token = int(out[0][0, -1].argmax())
        generated.append(token)
        if token == eot or n + len(generated) >= CONTEXT:
            break
        total = n + len(generated)
        out = model(torch.tensor([[token]]), torch.ones(1, total, dtype=torch.int64), torch.tensor([[total - 1]]), *out[1:])
    return generated


def export(model, path):
    names = [f"past_key_values.{i}.{kv}" for i in range(LAYERS) for kv in ("key", "value")]
    outputs = [f"present.{i}.{kv}" for i in range(LAYERS) for kv in ("key", "value")]
    ids = torch.tensor([[5, 6], [7, 8]])
    past = [torch.randn(2, HEADS, 3, HEAD_DIM) for _ in names]
    axes = {"input_ids": {0: "batch_size", 1: "sequence_length"}, "position_ids": {0: "batch_size", 1: "sequence_length"},
            "attention_mask": {0: "batch_size", 1: "past_sequence_length + sequence_length"},
            "logits": {0: "batch_size", 1: "sequence_length"}}
    axes.update({n: {0: "batch_size", 2: "past_sequence_length"} for n in names})
    axes.update({n: {0: "batch_size", 2: "past_sequence_length + sequence_length"} for n in outputs})
    torch.onnx.export(model, (ids, torch.ones(2, 5, dtype=torch.int64), torch.tensor([[3, 4], [3, 4]]), *past), path,
                      input_names=["input_ids", "attention_mask", "position_ids", *names], output_names=["logits", *outputs],
                      dynamic_axes=axes, opset_version=17, do_constant_folding=True)


def write_json(path, body):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(body, f, ensure_ascii=False, indent=1 if path.endswith("config.json") else None)
        f.write("\n")


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    docs = read_documents()
    tok = bpe.Tokenizer(bpe.train(docs, MERGES))
    data = torch.tensor([t for d in docs for t in tok.encode(d) + [tok.end_of_text]])
    vocab = tok.end_of_text + 1
    print(f"{len(docs)} documents, {len(data)} tokens, vocabulary {vocab}", flush=True)
    model = TinyGpt(vocab)
    print(f"{sum(p.numel() for p in model.parameters())} parameters", flush=True)
    loss = train(model.train(), data)
    model.eval()
    tok.write(os.path.join(OUT, "tokenizer.json"))
    export(model, os.path.join(OUT, "model.onnx"))
    write_json(os.path.join(OUT, "config.json"), {
        "model_type": "weir-tiny-gpt", "n_layer": LAYERS, "n_head": HEADS, "n_embd": EMBED, "n_positions": CONTEXT,
        "vocab_size": vocab, "eos_token_id": tok.end_of_text, "bos_token_id": tok.end_of_text,
        "training": {"corpus_tokens": len(data), "steps": STEPS, "batch": BATCH, "final_loss": round(loss, 3)},
    })
    write_json(os.path.join(OUT, "reference.json"), {
        "note": "token ids from scripts/models/bpe.py; greedy continuations (at most 24 tokens) computed by PyTorch",
        "tokenized": [{"text": t, "ids": tok.encode(t)} for t in SAMPLES],
        "greedy": [{"prompt": p, "ids": greedy(model, tok.encode(p), 24, tok.end_of_text)} for p in PROMPTS],
    })
    for p in PROMPTS:
        print(repr(p), "->", repr(tok.decode(greedy(model, tok.encode(p), 24, tok.end_of_text))))
    for name in sorted(os.listdir(OUT)):
        print(f"wrote models/tiny-gpt/{name} ({os.path.getsize(os.path.join(OUT, name))} bytes)")


if __name__ == "__main__":
    sys.exit(main())
