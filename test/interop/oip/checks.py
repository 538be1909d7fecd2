"""The checks of compliance.py: endpoints, inference in every form, errors."""

import json
import math
import struct

import grpc

import oip_protocol as oip

F32 = lambda v: struct.unpack("<f", struct.pack("<f", v))[0]  # noqa: E731
EDGES = {
    "BOOL": [True, False, False, True], "UINT8": [0, 255, 1, 128], "UINT16": [0, 65535, 1, 32768],
    "UINT32": [0, 4294967295, 1, 2147483648], "UINT64": [0, 2 ** 64 - 1, 2 ** 53 + 1, 1],
    "INT8": [-128, 127, -1, 0], "INT16": [-32768, 32767, -1, 0], "INT32": [-2 ** 31, 2 ** 31 - 1, -1, 0],
    "INT64": [-2 ** 63, 2 ** 63 - 1, -(2 ** 53 + 1), -1],
    "FP16": [0x3C00, 0xC000, 0x7BFF, 0x0001], "BF16": [0x3F80, 0xC000, 0x7F7F, 0x8000],
    "FP32": [1.5, F32(-0.1), F32(3.4028234663852886e38), F32(1.401298464324817e-45)],
    "FP64": [math.pi, -1e308, 5e-324, -0.0],
    "BYTES": [b"", b"hello", "h\u00e9llo w\u00f6rld".encode(), b"a\x00b"],
}


def sample(datatype, n, edges):
    """Inputs: the datatype's edge values for identity models; small values any model takes otherwise."""
    if edges:
        e = EDGES[datatype]
        return [e[i % len(e)] for i in range(n)]
    if datatype == "BOOL":
        return [i % 2 == 0 for i in range(n)]
    if datatype == "BYTES":
        return [("text %d \u00e9" % i).encode() for i in range(n)]
    if datatype == "FP16":
        return [struct.unpack("<H", struct.pack("<e", (i % 8) * 0.5 - 1))[0] for i in range(n)]
    if datatype == "BF16":
        return [struct.unpack("<I", struct.pack("<f", (i % 8) * 0.5 - 1))[0] >> 16 for i in range(n)]
    if datatype in ("FP32", "FP64"):
        return [(i % 8) * 0.5 - 1 for i in range(n)]
    return [i % 10 for i in range(n)]


def make_inputs(model, meta):
    out = []
    for t in meta["inputs"]:
        shape = [d if d >= 0 else (2 if i == 0 else 3) for i, d in enumerate(t["shape"])]
        n = math.prod(shape)
        out.append((t["name"], t["datatype"], shape, sample(t["datatype"], n, model.startswith("identity_"))))
    return out


def canonical(outputs):
    """{name: (datatype, shape, raw bytes)}: the one form every encoding is compared in."""
    return {name: (dt, list(shape), oip.to_raw(dt, values)) for name, (dt, shape, values) in outputs.items()}


def flatten(data):
    if isinstance(data, list) and any(isinstance(x, list) for x in data):
        return [y for x in data for y in flatten(x)]
    return data


# --- the four forms ---------------------------------------------------------------------------

def rest_json(rest, expect, model, inputs, rid, nested):
    body = {"id": rid, "inputs": [{"name": n, "datatype": dt, "shape": s,
                                   "data": oip.nest(oip.to_json(dt, v), s) if nested else oip.to_json(dt, v)} for n, dt, s, v in inputs]}
    doc = rest.json("POST", "/v2/models/%s/infer" % model, body)
    return check_head(expect, doc, model, rid), {o["name"]: (o["datatype"], o["shape"], oip.from_json(o["datatype"], flatten(o["data"]))) for o in doc["outputs"]}


def rest_binary(rest, expect, model, inputs, rid):
    raws = [oip.to_raw(dt, v) for _, dt, _, v in inputs]
    header = json.dumps({"id": rid, "parameters": {"binary_data_output": True},
                         "inputs": [{"name": n, "datatype": dt, "shape": s, "parameters": {"binary_data_size": len(r)}} for (n, dt, s, _), r in zip(inputs, raws)]}).encode()
    status, headers, raw = rest.call("POST", "/v2/models/%s/infer" % model, header + b"".join(raws),
                                     {"inference-header-content-length": str(len(header)), "content-type": "application/octet-stream"})
    expect(status == 200, "binary infer: status %d: %r" % (status, raw[:300]))
    size = int(headers["inference-header-content-length"])
    doc, pos, outputs = json.loads(raw[:size]), size, {}
    for o in doc["outputs"]:
        n = o["parameters"]["binary_data_size"]
        expect("data" not in o, "a binary output also has data")
        outputs[o["name"]] = (o["datatype"], o["shape"], oip.from_raw(o["datatype"], raw[pos:pos + n], math.prod(o["shape"])))
        pos += n
    expect(pos == len(raw), "binary outputs take %d of %d bytes" % (pos - size, len(raw) - size))
    return check_head(expect, doc, model, rid), outputs


def grpc_infer(rpc, expect, model, inputs, rid, typed):
    m = rpc.msgs
    tensors = []
    for n, dt, s, v in inputs:
        t = m["ModelInferRequest.InferInputTensor"](name=n, datatype=dt, shape=s)
        if typed:
            t.contents.CopyFrom(m["InferTensorContents"](**{oip.TYPED_FIELD[dt]: v}))
        tensors.append(t)
    raw = [] if typed else [oip.to_raw(dt, v) for _, dt, _, v in inputs]
    res = rpc("ModelInfer", model_name=model, id=rid, inputs=tensors, raw_input_contents=raw)
    head = check_head(expect, {"model_name": res.model_name, "model_version": res.model_version, "id": res.id}, model, rid)
    outputs = {}
    if len(res.raw_output_contents) > 0:
        expect(len(res.raw_output_contents) == len(res.outputs), "raw_output_contents: %d for %d outputs" % (len(res.raw_output_contents), len(res.outputs)))
    for i, o in enumerate(res.outputs):
        n = math.prod(o.shape)
        if len(res.raw_output_contents) > 0:
            expect(not o.HasField("contents"), "an output has contents and raw_output_contents")
            values = oip.from_raw(o.datatype, res.raw_output_contents[i], n)
        else:
            values = list(getattr(o.contents, oip.TYPED_FIELD[o.datatype]))
            if o.datatype == "FP32":
                values = [F32(x) for x in values]
        outputs[o.name] = (o.datatype, list(o.shape), values)
    return head, outputs


def check_head(expect, doc, model, rid):
    expect(doc.get("model_name") == model, "model_name %r" % doc.get("model_name"))
    expect(doc.get("id") == rid, "id %r, sent %r" % (doc.get("id"), rid))
    expect(bool(doc.get("model_version")), "no model_version")
    return doc


def known(expect, model, inputs, outputs):
    """The results a known model must give."""
    by = {n: v for n, _, _, v in inputs}
    if model == "add_sub":
        a, b = by["INPUT0"], by["INPUT1"]
        expect(outputs["OUTPUT0"][2] == [F32(x + y) for x, y in zip(a, b)], "add_sub OUTPUT0 %r" % (outputs["OUTPUT0"][2],))
        expect(outputs["OUTPUT1"][2] == [F32(x - y) for x, y in zip(a, b)], "add_sub OUTPUT1 %r" % (outputs["OUTPUT1"][2],))
    elif model == "string_ops":
        expect(outputs["OUTPUT0"][2] == [bytes(c - 32 if 97 <= c <= 122 else c for c in v) for v in by["INPUT0"]], "string_ops OUTPUT0")
        expect(outputs["OUTPUT1"][2] == [len(v) for v in by["INPUT0"]], "string_ops OUTPUT1")
    elif model.startswith("identity_"):
        n, dt, s, v = inputs[0]
        expect(canonical(outputs) == canonical({"OUTPUT0": (dt, s, v)}), "identity changed its input: %r" % (outputs,))


def infer_everywhere(rest, rpc, expect, model, meta):
    """Infer in every form; all must agree, and with what the model is known to give."""
    inputs = make_inputs(model, meta)
    forms = {
        "REST JSON": lambda rid: rest_json(rest, expect, model, inputs, rid, nested=False),
        "REST JSON nested": lambda rid: rest_json(rest, expect, model, inputs, rid, nested=True),
        "REST binary": lambda rid: rest_binary(rest, expect, model, inputs, rid),
        "gRPC raw": lambda rid: grpc_infer(rpc, expect, model, inputs, rid, typed=False),
    }
    if all(dt not in ("FP16", "BF16") for _, dt, _, _ in inputs):
        forms["gRPC typed"] = lambda rid: grpc_infer(rpc, expect, model, inputs, rid, typed=True)
    results = {}
    for i, (name, run) in enumerate(forms.items()):
        _, outputs = run("req-%s-%d-\u2713" % (model, i))
        results[name] = canonical(outputs)
        known(expect, model, inputs, outputs)
    first = next(iter(results.values()))
    for name, got in results.items():
        expect(got == first, "%s gives %r, REST JSON %r" % (name, got, first))
    expect(set(first) == {o["name"] for o in meta["outputs"]}, "outputs %r, metadata says %r" % (sorted(first), [o["name"] for o in meta["outputs"]]))
    return sorted(forms)


# --- the checks ----------------------------------------------------------------------------------

def run(check, expect, rest, rpc):
    def health():
        expect(rest.json("GET", "/v2/health/live") == {"live": True}, "REST live")
        expect(rest.json("GET", "/v2/health/ready") == {"ready": True}, "REST ready")
        expect(rpc("ServerLive").live and rpc("ServerReady").ready, "gRPC live/ready")
    check("health: live and ready on REST (200 + JSON) and gRPC", health)

    def server_metadata():
        doc = rest.json("GET", "/v2")
        g = rpc("ServerMetadata")
        expect((doc["name"], doc["version"], doc["extensions"]) == (g.name, g.version, list(g.extensions)), "REST %r vs gRPC %r" % (doc, g))
        expect({"binary_tensor_data", "model_repository"} <= set(doc["extensions"]), "extensions %r" % doc["extensions"])
    check("server metadata: the same on both, listing binary_tensor_data and model_repository", server_metadata)

    index = rest.json("POST", "/v2/repository/index", {})

    def repository_index():
        g = rpc("RepositoryIndex")
        expect(sorted((m["name"], m["version"], m["state"]) for m in index) == sorted((m.name, m.version, m.state) for m in g.models), "REST and gRPC indexes differ")
        ready = rest.json("POST", "/v2/repository/index", {"ready": True})
        expect(all(m["state"] == "READY" for m in ready) and len(ready) == sum(m["state"] == "READY" for m in index), "ready filter")
    check("repository index: the same models and states on both; ready filter", repository_index)

    models = sorted({m["name"] for m in index if m["state"] == "READY"})
    check("repository: at least one ready model", lambda: expect(models, "no ready model in the index"))
    metas = {}
    for model in models:
        def metadata(model=model):
            doc = rest.json("GET", "/v2/models/" + model)
            g = rpc("ModelMetadata", name=model)
            tensors = lambda ts: [(t.name, t.datatype, list(t.shape)) for t in ts]  # noqa: E731
            expect(doc["name"] == g.name == model and doc["platform"] == g.platform and doc["versions"] == list(g.versions), "name/platform/versions")
            expect([(t["name"], t["datatype"], t["shape"]) for t in doc["inputs"]] == tensors(g.inputs), "inputs differ")
            expect([(t["name"], t["datatype"], t["shape"]) for t in doc["outputs"]] == tensors(g.outputs), "outputs differ")
            expect(rest.json("GET", "/v2/models/%s/ready" % model) == {"name": model, "ready": True}, "REST model ready")
            expect(rpc("ModelReady", name=model).ready, "gRPC model ready")
            for v in doc["versions"]:
                expect(rest.json("GET", "/v2/models/%s/versions/%s" % (model, v))["name"] == model, "versioned metadata")
                expect(rest.call("GET", "/v2/models/%s/versions/%s/ready" % (model, v))[0] == 200, "versioned ready")
            metas[model] = doc
        check("model %s: metadata and readiness, the same on REST and gRPC" % model, metadata)
        if model in metas:
            check("model %s: REST JSON (flat, nested), REST binary, gRPC raw and typed give the same outputs" % model,
                  lambda model=model: infer_everywhere(rest, rpc, expect, model, metas[model]))

    import error_checks  # noqa: E402
    error_checks.run(check, expect, rest, rpc, metas)
