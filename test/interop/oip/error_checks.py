"""The errors the protocol prescribes (REST `{"error": ...}` with its status, gRPC status codes),
each followed by a well-formed request that must still be answered."""

import json

import grpc

import oip_protocol as oip
from checks import grpc_infer, make_inputs, rest_json

NOPE = "no_such_model_for_compliance"


def run(check, expect, rest, rpc, metas):
    if not metas:
        return
    model = "add_sub" if "add_sub" in metas else sorted(metas)[0]
    meta = metas[model]
    inputs = make_inputs(model, meta)
    name, dt, shape, values = inputs[0]
    m = rpc.msgs

    def still_serving():
        rest_json(rest, expect, model, inputs, "after", nested=False)
        grpc_infer(rpc, expect, model, inputs, "after", typed=False)

    def grpc_status(code, request):
        got, details = rpc.status("ModelInfer", request)
        expect(got == code, "gRPC %s (%s), expected %s" % (got, details, code))
        expect(details, "no status message")

    def body(tensors=None, **extra):
        doc = {"inputs": tensors if tensors is not None else [{"name": n, "datatype": d, "shape": s, "data": oip.to_json(d, v)} for n, d, s, v in inputs]}
        doc.update(extra)
        return json.dumps(doc).encode()

    def request(shape_of_first=None, raw=None, datatype_of_first=None, **extra):
        tensors = [m["ModelInferRequest.InferInputTensor"](name=n, datatype=d, shape=s) for n, d, s, _ in inputs]
        if shape_of_first is not None:
            tensors[0].shape[:] = shape_of_first
        if datatype_of_first is not None:
            tensors[0].datatype = datatype_of_first
        raws = raw if raw is not None else [oip.to_raw(d, v) for _, d, _, v in inputs]
        return m["ModelInferRequest"](model_name=extra.pop("model_name", model), inputs=tensors, raw_input_contents=raws, **extra)

    infer = "/v2/models/%s/infer" % model
    other_dt = "INT32" if dt != "INT32" else "FP32"

    def unknown_model():
        rest.error("POST", "/v2/models/%s/infer" % NOPE, body(), 404)
        rest.error("GET", "/v2/models/" + NOPE, None, 404)
        expect(rest.call("GET", "/v2/models/%s/ready" % NOPE)[0] >= 400, "ready of an unknown model answers 200")
        grpc_status(grpc.StatusCode.NOT_FOUND, request(model_name=NOPE))
        got, _ = rpc.status("ModelMetadata", m["ModelMetadataRequest"](name=NOPE))
        expect(got == grpc.StatusCode.NOT_FOUND, "ModelMetadata of an unknown model: %s" % got)
        still_serving()
    check("errors: an unknown model is 404 / NOT_FOUND", unknown_model)

    def unknown_version():
        rest.error("POST", "/v2/models/%s/versions/999999/infer" % model, body(), 404)
        grpc_status(grpc.StatusCode.NOT_FOUND, request(model_version="999999"))
        still_serving()
    check("errors: an unknown version is 404 / NOT_FOUND", unknown_version)

    def malformed_json():
        rest.error("POST", infer, b'{"inputs": [', 400)
        still_serving()
    check("errors: malformed JSON is 400", malformed_json)

    def wrong_datatype():
        t = [{"name": n, "datatype": other_dt if i == 0 else d, "shape": s, "data": [0] * len(v) if i == 0 else oip.to_json(d, v)} for i, (n, d, s, v) in enumerate(inputs)]
        rest.error("POST", infer, body(t), 400)
        raws = [oip.to_raw(d, v) for _, d, _, v in inputs]
        raws[0] = oip.to_raw(other_dt, [0] * len(values))
        grpc_status(grpc.StatusCode.INVALID_ARGUMENT, request(raw=raws, datatype_of_first=other_dt))
        still_serving()
    check("errors: a wrong datatype is 400 / INVALID_ARGUMENT", wrong_datatype)

    def wrong_count():
        t = [{"name": n, "datatype": d, "shape": s, "data": oip.to_json(d, v)[:-1] if i == 0 else oip.to_json(d, v)} for i, (n, d, s, v) in enumerate(inputs)]
        rest.error("POST", infer, body(t), 400)
        raws = [oip.to_raw(d, v) for _, d, _, v in inputs]
        raws[0] = raws[0][:-1]
        grpc_status(grpc.StatusCode.INVALID_ARGUMENT, request(raw=raws))
        still_serving()
    check("errors: data count not matching the shape, raw contents of the wrong length: 400 / INVALID_ARGUMENT", wrong_count)

    def overflow():
        t = [{"name": name, "datatype": dt, "shape": [2 ** 62, 2 ** 62], "data": []}]
        rest.error("POST", infer, body(t), 400)
        grpc_status(grpc.StatusCode.INVALID_ARGUMENT, request(shape_of_first=[2 ** 62, 2 ** 62]))
        still_serving()
    check("errors: a shape whose element count overflows is 400 / INVALID_ARGUMENT", overflow)

    def unknown_output():
        rest.error("POST", infer, body(outputs=[{"name": "NO_SUCH_OUTPUT"}]), 400)
        req = request()
        req.outputs.add(name="NO_SUCH_OUTPUT")
        grpc_status(grpc.StatusCode.INVALID_ARGUMENT, req)
        still_serving()
    check("errors: an unknown requested output is 400 / INVALID_ARGUMENT", unknown_output)

    def header_past_body():
        b = body()
        rest.error("POST", infer, b, 400, {"inference-header-content-length": str(len(b) + 10)})
        still_serving()
    check("errors: an Inference-Header-Content-Length past the body is 400", header_past_body)

    bytes_model = next((k for k in sorted(metas) if metas[k]["inputs"][0]["datatype"] == "BYTES" and len(metas[k]["inputs"]) == 1), None)
    if bytes_model is not None:
        def bytes_prefix():
            t = metas[bytes_model]["inputs"][0]
            shape = [1 if d < 0 else d for d in t["shape"]]
            bad = b"\xe8\x03\x00\x00ab"  # says 1000 bytes, has 2
            header = json.dumps({"inputs": [{"name": t["name"], "datatype": "BYTES", "shape": shape, "parameters": {"binary_data_size": len(bad)}}]}).encode()
            rest.error("POST", "/v2/models/%s/infer" % bytes_model, header + bad, 400, {"inference-header-content-length": str(len(header))})
            tensor = m["ModelInferRequest.InferInputTensor"](name=t["name"], datatype="BYTES", shape=shape)
            grpc_status(grpc.StatusCode.INVALID_ARGUMENT, m["ModelInferRequest"](model_name=bytes_model, inputs=[tensor], raw_input_contents=[bad]))
            still_serving()
        check("errors: a BYTES element whose length prefix runs past the end is 400 / INVALID_ARGUMENT", bytes_prefix)

    def repository_errors():
        rest.error("POST", "/v2/repository/models/%s/unload" % NOPE, b"{}", 404)
        got, _ = rpc.status("RepositoryModelUnload", m["RepositoryModelUnloadRequest"](model_name=NOPE))
        expect(got != grpc.StatusCode.OK, "unloading an unknown model succeeded")
        status, _, raw = rest.call("POST", "/v2/repository/models/%s/load" % model, b"{}", {"content-type": "application/json"})
        expect(status == 200, "reloading %s: %d %r" % (model, status, raw[:200]))
        rpc("RepositoryModelLoad", model_name=model)
        expect(rest.json("GET", "/v2/models/%s/ready" % model)["ready"] is True, "%s not ready after a reload" % model)
        still_serving()
    check("repository: load of a loaded model keeps it ready; unload of an unknown model fails", repository_errors)
