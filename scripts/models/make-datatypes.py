"""Makes test/models/datatypes.onnx and test/models/bfloat16.onnx, for the ONNX engine's datatype tests.

datatypes.onnx: one input and one output per element type the inference protocol and ONNX Runtime's
JavaScript API share, each of shape [2, n] (a fixed leading dimension: the model does not batch):
  fp16_in  FLOAT16 -> fp16_out  = fp16_in        int8_in   INT8   -> int8_out   = int8_in
  bool_in  BOOL    -> bool_out  = not bool_in    uint16_in UINT16 -> uint16_out = uint16_in
  text_in  STRING  -> text_out  = text_in        uint32_in UINT32 -> uint32_out = uint32_in
  fp64_in  DOUBLE  -> fp64_out  = -fp64_in       uint64_in UINT64 -> uint64_out = uint64_in
bfloat16.onnx: bf16_in BFLOAT16 [n] -> bf16_out = bf16_in (a type ONNX Runtime for Node.js cannot pass).
Both are a few hundred bytes, no weights.

Run: /usr/bin/python3 scripts/models/make-datatypes.py   (needs Debian's python3-onnx)
"""
import onnx
from onnx import TensorProto as T, helper

from common import OPSET, OUT_DIR, report

PORTS = [("fp16", T.FLOAT16, "Identity"), ("bool", T.BOOL, "Not"), ("text", T.STRING, "Identity"),
         ("fp64", T.DOUBLE, "Neg"), ("int8", T.INT8, "Identity"), ("uint16", T.UINT16, "Identity"),
         ("uint32", T.UINT32, "Identity"), ("uint64", T.UINT64, "Identity")]


def save(name, ports, shape):
    nodes = [helper.make_node(op, [f"{p}_in"], [f"{p}_out"]) for p, _, op in ports]
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info(f"{p}_in", t, shape) for p, t, _ in ports],
                              [helper.make_tensor_value_info(f"{p}_out", t, shape) for p, t, _ in ports])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="weir scripts/models/make-datatypes.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    path = f"{OUT_DIR}/{name}.onnx"
    onnx.save(model, path)
    return path


def main():
    report(save("datatypes", PORTS, [2, "n"]), save("bfloat16", [("bf16", T.BFLOAT16, "Identity")], ["n"]))


if __name__ == "__main__":
    main()
