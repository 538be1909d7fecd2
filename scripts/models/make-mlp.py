"""Makes test/models/mlp.onnx and test/models/mlp.reference.json.

A multi-layer perceptron for batching benchmarks and tests:
  input  FP32 [batch, 256] -> Linear 256x2048, ReLU -> Linear 2048x2048, ReLU -> Linear 2048x2048, ReLU
         -> Linear 2048x16 -> output FP32 [batch, 16]          (batch is dynamic)

It is sized so that one batch-1 inference streams ~34 MB of weights from memory (more than this
machine's caches hold), so it costs about a millisecond on one core while a batch of 8 costs less
than twice that: a model whose cost is reading its weights, as real models on a CPU are.

34 MB of weights would make a 34 MB file, so the file holds no weight tensors: each weight and bias
is computed inside the graph from its element index with integer arithmetic,
    x = (i * 40503 + 977 * k + 1) mod 65521,  w = ((x * x) mod 65521) * 2 / 65521 / sqrt(rows) - 1 / sqrt(rows)
(k = the layer), which ONNX Runtime folds into constants when it loads the model (graph optimization
level "basic" or higher, the default). The arithmetic is exact in int64, so the PyTorch reference
below computes the very same weights. The file is a few kilobytes.

Run: /usr/bin/python3 scripts/models/make-mlp.py   (needs Debian's python3-torch and python3-onnx)
"""
import math

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

from common import OPSET, OUT_DIR, report, write_reference

DIMS = [256, 2048, 2048, 2048, 16]
P, A, B = 65521, 40503, 977


def weight_torch(k, rows, cols):
    """Layer k's weights as PyTorch computes them (the reference)."""
    i = torch.arange(rows * cols, dtype=torch.int64)
    x = (i * A + (B * k + 1)) % P
    r = ((x * x) % P).to(torch.float32)
    scale = np.float32(2.0 / P / math.sqrt(rows))
    return (r * scale - np.float32(1.0 / math.sqrt(rows))).reshape(rows, cols)


def weight_graph(k, rows, cols, nodes, inits):
    """The same weights as ONNX nodes over scalar constants; returns the output name."""
    p = f"layer{k}_w_"

    def const(name, value):
        inits.append(numpy_helper.from_array(np.asarray(value), p + name))
        return p + name

    def node(op, ins, out, **attrs):
        nodes.append(helper.make_node(op, ins, [p + out], **attrs))
        return p + out

    i = node("Range", [const("start", np.int64(0)), const("limit", np.int64(rows * cols)), const("delta", np.int64(1))], "index")
    x = node("Mod", [node("Add", [node("Mul", [i, const("a", np.int64(A))], "ia"), const("b", np.int64(B * k + 1))], "iab"), const("p", np.int64(P))], "x")
    r = node("Cast", [node("Mod", [node("Mul", [x, x], "xx"), p + "p"], "r")], "rf", to=TensorProto.FLOAT)
    scaled = node("Mul", [r, const("scale", np.float32(2.0 / P / math.sqrt(rows)))], "scaled")
    w = node("Sub", [scaled, const("offset", np.float32(1.0 / math.sqrt(rows)))], "flat")
    return node("Reshape", [w, const("shape", np.array([rows, cols], np.int64))], "matrix")


def build_graph():
    nodes, inits, x = [], [], "input"
    layers = len(DIMS) - 1
    for k in range(layers):
        w = weight_graph(k, DIMS[k], DIMS[k + 1], nodes, inits)
        bias = weight_graph(100 + k, 1, DIMS[k + 1], nodes, inits)
        nodes.append(helper.make_node("MatMul", [x, w], [f"layer{k}_mm"]))
        nodes.append(helper.make_node("Add", [f"layer{k}_mm", bias], [f"layer{k}_out" if k < layers - 1 else "output"]))
        if k < layers - 1:
            nodes.append(helper.make_node("Relu", [f"layer{k}_out"], [f"layer{k}_relu"]))
            x = f"layer{k}_relu"
    graph = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", DIMS[0]])],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", DIMS[-1]])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="weir scripts/models/make-mlp.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def reference(x):
    h = torch.from_numpy(x)
    for k in range(len(DIMS) - 1):
        h = h @ weight_torch(k, DIMS[k], DIMS[k + 1]) + weight_torch(100 + k, 1, DIMS[k + 1])
        if k < len(DIMS) - 2:
            h = torch.relu(h)
    return h.numpy()


def main():
    path = f"{OUT_DIR}/mlp.onnx"
    onnx.save(build_graph(), path)
    rows = np.arange(3 * DIMS[0], dtype=np.int64)
    x = (((rows * 7919) % 2001) / 1000.0 - 1.0).astype(np.float32).reshape(3, DIMS[0])  # values in [-1, 1]
    ref = write_reference("mlp", {"input": x}, {"output": reference(x)}, "output computed by PyTorch from the same weight formula")
    report(path, ref)


if __name__ == "__main__":
    main()
