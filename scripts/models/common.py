"""Shared by the make-*.py scripts: where the models go and how their reference files are written.

A reference file holds a small input and the output the model's PyTorch definition computes for it,
in the JSON form of an Open Inference Protocol request/response (flat row-major `data`), so a test
can run the ONNX file through ONNX Runtime and compare.
"""
import json
import os

import numpy as np
import torch

OUT_DIR = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "test", "models"))
OPSET = 17

DATATYPES = {np.dtype("float32"): "FP32", np.dtype("int64"): "INT64"}


def tensor_json(name, array):
    array = np.ascontiguousarray(array)
    data = [int(v) for v in array.ravel()] if array.dtype == np.int64 else [float(v) for v in array.ravel()]
    return {"name": name, "datatype": DATATYPES[array.dtype], "shape": list(array.shape), "data": data}


def write_reference(model_name, inputs, outputs, note):
    """inputs, outputs: dicts name -> numpy array, in the model's order."""
    path = os.path.join(OUT_DIR, f"{model_name}.reference.json")
    body = {
        "model": f"{model_name}.onnx",
        "note": note,
        "inputs": [tensor_json(n, a) for n, a in inputs.items()],
        "outputs": [tensor_json(n, a) for n, a in outputs.items()],
    }
    with open(path, "w") as f:
        json.dump(body, f, separators=(",", ":"))
        f.write("\n")
    return path


def export(module, args, model_name, input_names, output_names, dynamic_axes):
    """Export a torch module to test/models/<model_name>.onnx (weights folded into initializers)."""
    path = os.path.join(OUT_DIR, f"{model_name}.onnx")
    torch.onnx.export(module, args, path, input_names=input_names, output_names=output_names,
                      dynamic_axes=dynamic_axes, opset_version=OPSET, do_constant_folding=True)
    return path


def report(*paths):
    for p in paths:
        print(f"wrote {os.path.relpath(p)} ({os.path.getsize(p)} bytes)")
