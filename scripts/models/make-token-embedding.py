"""Makes test/models/token_embedding.onnx and test/models/token_embedding.reference.json.

A token-embedding model: an embedding lookup whose compute is negligible, so that serving it costs
what moving its output costs (8 x 128 tokens give 8 x 128 x 384 FP32 = 1.5 MB per response):
  input_ids  INT64 [batch, seq]  ->  embeddings  FP32 [batch, seq, 384]     (batch and seq are dynamic)

Token ids of any tokenizer are valid: the table has 1024 rows and a token id picks row
`id mod 1024` (a hashed embedding; ONNX Mod on integers gives a non-negative row for a negative id
too). The table is deterministic (seed 0), 1024 x 384 FP32: the file is about 1.5 MB.

Run: /usr/bin/python3 scripts/models/make-token-embedding.py   (needs Debian's python3-torch and python3-onnx)
"""
import numpy as np
import torch

from common import export, report, write_reference

ROWS, WIDTH = 1024, 384


class TokenEmbedding(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.table = torch.nn.Embedding(ROWS, WIDTH)

    def forward(self, input_ids):
        return self.table(torch.remainder(input_ids, ROWS))


def main():
    torch.manual_seed(0)
    model = TokenEmbedding().eval()
    input_ids = torch.tensor([[0, 1, 1023, 1024, 50000, 100255, -3], [15496, 11, 995, 0, 7, 7, 2]], dtype=torch.int64)
    with torch.no_grad():
        out = model(input_ids)
        path = export(model, (input_ids,), "token_embedding", ["input_ids"], ["embeddings"],
                      {"input_ids": {0: "batch", 1: "seq"}, "embeddings": {0: "batch", 1: "seq"}})
    ref = write_reference("token_embedding", {"input_ids": input_ids.numpy()}, {"embeddings": out.numpy()},
                          "output computed by PyTorch; ids beyond the table and negative ids wrap (id mod 1024)")
    report(path, ref)


if __name__ == "__main__":
    main()
