"""ModelInfer with raw contents to an OIP gRPC server, from python3-grpcio alone (no generated stubs).

    echo '{"input_ids": [[9906, 1917, 0]], "attention_mask": [[1, 1, 0]]}' |
        /usr/bin/python3 examples/transformer-predictor/raw_infer.py --target 127.0.0.1:8001 --model encoder --output logits

Reads the INT64 inputs as JSON on stdin (each [n][seq]; attention_mask may be left out), sends them
as raw_input_contents (little-endian) and prints the outputs as JSON on stdout: name, datatype,
shape, the raw bytes in base64 (for exact comparison) and the values. The messages come from the
compliance checker's own table of the protocol (test/interop/oip/oip_protocol.py), not from the
server's .proto.
"""

import argparse
import base64
import json
import os
import struct
import sys

import grpc

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "interop", "oip"))
import oip_protocol as oip  # noqa: E402


def int64_tensor(msgs, name, rows):
    n, seq = len(rows), len(rows[0]) if rows else 0
    if any(len(r) != seq for r in rows):
        raise SystemExit("%s: rows of different lengths" % name)
    flat = [v for r in rows for v in r]
    t = msgs["ModelInferRequest.InferInputTensor"](name=name, datatype="INT64", shape=[n, seq])
    return t, struct.pack("<%dq" % len(flat), *flat)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--target", required=True, help="host:port of the OIP gRPC server")
    p.add_argument("--model", required=True)
    p.add_argument("--output", action="append", default=[], help="an output to ask for (repeatable); default: all")
    p.add_argument("--timeout", type=float, default=30.0)
    a = p.parse_args()
    body = json.load(sys.stdin)
    msgs = oip.message_classes()
    request = msgs["ModelInferRequest"](model_name=a.model, id="raw-infer")
    for name in ("input_ids", "attention_mask"):
        if name in body:
            tensor, raw = int64_tensor(msgs, name, body[name])
            request.inputs.append(tensor)
            request.raw_input_contents.append(raw)
    for name in a.output:
        request.outputs.append(msgs["ModelInferRequest.InferRequestedOutputTensor"](name=name))
    limit = 64 << 20
    with grpc.insecure_channel(a.target, options=[("grpc.max_receive_message_length", limit), ("grpc.max_send_message_length", limit)]) as channel:
        infer = channel.unary_unary("/%s/ModelInfer" % oip.SERVICE, request_serializer=lambda m: m.SerializeToString(),
                                    response_deserializer=msgs["ModelInferResponse"].FromString)
        response = infer(request, timeout=a.timeout)
    if len(response.raw_output_contents) != len(response.outputs):
        raise SystemExit("the server answered %d outputs with %d raw contents" % (len(response.outputs), len(response.raw_output_contents)))
    outputs = []
    for t, raw in zip(response.outputs, response.raw_output_contents):
        shape = list(t.shape)
        count = 1
        for d in shape:
            count *= d
        outputs.append({"name": t.name, "datatype": t.datatype, "shape": shape, "raw_base64": base64.b64encode(raw).decode("ascii"),
                        "data": oip.from_raw(t.datatype, raw, count)})
    json.dump({"model_name": response.model_name, "id": response.id, "outputs": outputs}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
