"""Makes test/models/encoder.onnx and test/models/encoder.reference.json.

A small BERT-shaped text classifier, for load and interop (its weights are random, seed 0: its
labels mean nothing):
  input_ids       INT64 [batch, seq]  \
  attention_mask  INT64 [batch, seq]  -> logits FP32 [batch, 3]             (batch and seq are dynamic)

Inside: token embeddings (2048 rows; a token id picks row `id mod 2048`, so ids of any tokenizer are
valid) + position embeddings (seq <= 512) -> LayerNorm -> 2 encoder layers (hidden 128, 2 attention
heads, feed-forward 512, GELU, post-LayerNorm; padding positions masked out of attention) -> the
first token's state -> dense + tanh (the pooler) -> 3 logits. About 0.7 M parameters: ~2.8 MB.

Run: /usr/bin/python3 scripts/models/make-encoder.py   (needs Debian's python3-torch and python3-onnx)
"""
import math

import torch
from torch import nn

from common import export, report, write_reference

VOCAB, MAX_POSITIONS, HIDDEN, HEADS, FFN, LAYERS, LABELS = 2048, 512, 128, 2, 512, 2, 3


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(HIDDEN, 3 * HIDDEN)
        self.proj = nn.Linear(HIDDEN, HIDDEN)
        self.norm1 = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.ffn_in = nn.Linear(HIDDEN, FFN)
        self.ffn_out = nn.Linear(FFN, HIDDEN)
        self.norm2 = nn.LayerNorm(HIDDEN, eps=1e-12)

    def forward(self, x, mask_bias):
        b, s, _ = x.shape
        q, k, v = self.qkv(x).view(b, s, 3, HEADS, HIDDEN // HEADS).permute(2, 0, 3, 1, 4).unbind(0)
        scores = q @ k.transpose(-1, -2) / math.sqrt(HIDDEN // HEADS) + mask_bias
        attended = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, s, HIDDEN)
        x = self.norm1(x + self.proj(attended))
        return self.norm2(x + self.ffn_out(nn.functional.gelu(self.ffn_in(x))))


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.tokens = nn.Embedding(VOCAB, HIDDEN)
        self.positions = nn.Embedding(MAX_POSITIONS, HIDDEN)
        self.norm = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.layers = nn.ModuleList(Layer() for _ in range(LAYERS))
        self.pooler = nn.Linear(HIDDEN, HIDDEN)
        self.classifier = nn.Linear(HIDDEN, LABELS)

    def forward(self, input_ids, attention_mask):
        positions = torch.arange(input_ids.shape[1], dtype=torch.int64).unsqueeze(0)
        x = self.norm(self.tokens(torch.remainder(input_ids, VOCAB)) + self.positions(positions))
        # 0 where attended, -10000 where padding: added to the attention scores of every head
        mask_bias = ((1.0 - attention_mask.to(torch.float32)) * -10000.0)[:, None, None, :]
        for layer in self.layers:
            x = layer(x, mask_bias)
        return self.classifier(torch.tanh(self.pooler(x[:, 0])))


def main():
    torch.manual_seed(0)
    model = Encoder().eval()
    input_ids = torch.tensor([[101, 7592, 2088, 999, 102, 0, 0, 0, 0], [101, 2023, 2003, 1037, 2936, 6251, 2182, 1012, 102]], dtype=torch.int64)
    attention_mask = torch.tensor([[1, 1, 1, 1, 1, 0, 0, 0, 0], [1] * 9], dtype=torch.int64)
    with torch.no_grad():
        logits = model(input_ids, attention_mask)
        axes = {0: "batch", 1: "seq"}
        path = export(model, (input_ids, attention_mask), "encoder", ["input_ids", "attention_mask"], ["logits"],
                      {"input_ids": axes, "attention_mask": axes, "logits": {0: "batch"}})
    ref = write_reference("encoder", {"input_ids": input_ids.numpy(), "attention_mask": attention_mask.numpy()},
                          {"logits": logits.numpy()}, "output computed by PyTorch; the first row is padded (attention_mask 0)")
    report(path, ref)


if __name__ == "__main__":
    main()
