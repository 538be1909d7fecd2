"""The Open Inference Protocol for the compliance checker, written from the protocol's facts alone.

The gRPC messages are built here with python3-protobuf's descriptor APIs from a table of names,
field numbers and types (the OIP proto plus Triton's repository extension), not from the server's
.proto file: the checker would otherwise share any mistake in it. `compare_with_proto` then checks
the server's inference.proto against this table.

Tensors are canonical Python lists: bool, int, float, bytes; FP16 and BF16 as their 16-bit
patterns (ints), so that every encoding compares exactly.
"""

import struct
import subprocess
import tempfile
import os

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

F = descriptor_pb2.FieldDescriptorProto
BOOL, INT64, UINT64, UINT32, INT32, STRING, BYTES, DOUBLE, FLOAT, MSG = (
    F.TYPE_BOOL, F.TYPE_INT64, F.TYPE_UINT64, F.TYPE_UINT32, F.TYPE_INT32, F.TYPE_STRING, F.TYPE_BYTES,
    F.TYPE_DOUBLE, F.TYPE_FLOAT, F.TYPE_MESSAGE,
)
ONE, MANY, MAP = "one", "many", "map"

# message -> [(field, number, type, cardinality, message type or map value type, oneof)]
PARAM = [("bool_param", 1, BOOL), ("int64_param", 2, INT64), ("string_param", 3, STRING), ("double_param", 4, DOUBLE), ("uint64_param", 5, UINT64)]
MESSAGES = {
    "ServerLiveRequest": [],
    "ServerLiveResponse": [("live", 1, BOOL, ONE)],
    "ServerReadyRequest": [],
    "ServerReadyResponse": [("ready", 1, BOOL, ONE)],
    "ModelReadyRequest": [("name", 1, STRING, ONE), ("version", 2, STRING, ONE)],
    "ModelReadyResponse": [("ready", 1, BOOL, ONE)],
    "ServerMetadataRequest": [],
    "ServerMetadataResponse": [("name", 1, STRING, ONE), ("version", 2, STRING, ONE), ("extensions", 3, STRING, MANY)],
    "ModelMetadataRequest": [("name", 1, STRING, ONE), ("version", 2, STRING, ONE)],
    "ModelMetadataResponse.TensorMetadata": [("name", 1, STRING, ONE), ("datatype", 2, STRING, ONE), ("shape", 3, INT64, MANY)],
    "ModelMetadataResponse": [
        ("name", 1, STRING, ONE), ("versions", 2, STRING, MANY), ("platform", 3, STRING, ONE),
        ("inputs", 4, MSG, MANY, "ModelMetadataResponse.TensorMetadata"), ("outputs", 5, MSG, MANY, "ModelMetadataResponse.TensorMetadata"),
        ("properties", 6, MSG, MAP, STRING),
    ],
    "InferParameter": [(name, number, kind, ONE, None, "parameter_choice") for name, number, kind in PARAM],
    "InferTensorContents": [
        ("bool_contents", 1, BOOL, MANY), ("int_contents", 2, INT32, MANY), ("int64_contents", 3, INT64, MANY),
        ("uint_contents", 4, UINT32, MANY), ("uint64_contents", 5, UINT64, MANY), ("fp32_contents", 6, FLOAT, MANY),
        ("fp64_contents", 7, DOUBLE, MANY), ("bytes_contents", 8, BYTES, MANY),
    ],
    "ModelInferRequest.InferInputTensor": [
        ("name", 1, STRING, ONE), ("datatype", 2, STRING, ONE), ("shape", 3, INT64, MANY),
        ("parameters", 4, MSG, MAP, "InferParameter"), ("contents", 5, MSG, ONE, "InferTensorContents"),
    ],
    "ModelInferRequest.InferRequestedOutputTensor": [("name", 1, STRING, ONE), ("parameters", 2, MSG, MAP, "InferParameter")],
    "ModelInferRequest": [
        ("model_name", 1, STRING, ONE), ("model_version", 2, STRING, ONE), ("id", 3, STRING, ONE),
        ("parameters", 4, MSG, MAP, "InferParameter"), ("inputs", 5, MSG, MANY, "ModelInferRequest.InferInputTensor"),
        ("outputs", 6, MSG, MANY, "ModelInferRequest.InferRequestedOutputTensor"), ("raw_input_contents", 7, BYTES, MANY),
    ],
    "ModelInferResponse.InferOutputTensor": [
        ("name", 1, STRING, ONE), ("datatype", 2, STRING, ONE), ("shape", 3, INT64, MANY),
        ("parameters", 4, MSG, MAP, "InferParameter"), ("contents", 5, MSG, ONE, "InferTensorContents"),
    ],
    "ModelInferResponse": [
        ("model_name", 1, STRING, ONE), ("model_version", 2, STRING, ONE), ("id", 3, STRING, ONE),
        ("parameters", 4, MSG, MAP, "InferParameter"), ("outputs", 5, MSG, MANY, "ModelInferResponse.InferOutputTensor"),
        ("raw_output_contents", 6, BYTES, MANY),
    ],
    "ModelRepositoryParameter": [(n, i, k, ONE, None, "parameter_choice") for n, i, k in [("bool_param", 1, BOOL), ("int64_param", 2, INT64), ("string_param", 3, STRING), ("bytes_param", 4, BYTES)]],
    "RepositoryIndexRequest": [("repository_name", 1, STRING, ONE), ("ready", 2, BOOL, ONE)],
    "RepositoryIndexResponse.ModelIndex": [("name", 1, STRING, ONE), ("version", 2, STRING, ONE), ("state", 3, STRING, ONE), ("reason", 4, STRING, ONE)],
    "RepositoryIndexResponse": [("models", 1, MSG, MANY, "RepositoryIndexResponse.ModelIndex")],
    "RepositoryModelLoadRequest": [("repository_name", 1, STRING, ONE), ("model_name", 2, STRING, ONE), ("parameters", 3, MSG, MAP, "ModelRepositoryParameter")],
    "RepositoryModelLoadResponse": [],
    "RepositoryModelUnloadRequest": [("repository_name", 1, STRING, ONE), ("model_name", 2, STRING, ONE), ("parameters", 3, MSG, MAP, "ModelRepositoryParameter")],
    "RepositoryModelUnloadResponse": [],
}
METHODS = {
    "ServerLive": ("ServerLiveRequest", "ServerLiveResponse"),
    "ServerReady": ("ServerReadyRequest", "ServerReadyResponse"),
    "ModelReady": ("ModelReadyRequest", "ModelReadyResponse"),
    "ServerMetadata": ("ServerMetadataRequest", "ServerMetadataResponse"),
    "ModelMetadata": ("ModelMetadataRequest", "ModelMetadataResponse"),
    "ModelInfer": ("ModelInferRequest", "ModelInferResponse"),
    "RepositoryIndex": ("RepositoryIndexRequest", "RepositoryIndexResponse"),
    "RepositoryModelLoad": ("RepositoryModelLoadRequest", "RepositoryModelLoadResponse"),
    "RepositoryModelUnload": ("RepositoryModelUnloadRequest", "RepositoryModelUnloadResponse"),
}
SERVICE = "inference.GRPCInferenceService"


def _add_field(msg, spec, path):
    name, number, kind, card = spec[:4]
    ref = spec[4] if len(spec) > 4 else None
    oneof = spec[5] if len(spec) > 5 else None
    f = msg.field.add(name=name, number=number)
    f.label = F.LABEL_REPEATED if card in (MANY, MAP) else F.LABEL_OPTIONAL
    if card == MAP:
        entry = msg.nested_type.add(name="".join(p.capitalize() for p in name.split("_")) + "Entry")
        entry.options.map_entry = True
        entry.field.add(name="key", number=1, type=STRING, label=F.LABEL_OPTIONAL)
        value = entry.field.add(name="value", number=2, label=F.LABEL_OPTIONAL)
        if ref == STRING:
            value.type = STRING
        else:
            value.type, value.type_name = MSG, ".inference." + ref
        f.type, f.type_name = MSG, ".inference.%s.%s" % (path, entry.name)
    else:
        f.type = kind
        if kind == MSG:
            f.type_name = ".inference." + ref
    if oneof is not None:
        names = [o.name for o in msg.oneof_decl]
        if oneof not in names:
            msg.oneof_decl.add(name=oneof)
            names.append(oneof)
        f.oneof_index = names.index(oneof)


def file_descriptor():
    """The protocol as a FileDescriptorProto (proto3, package inference)."""
    fdp = descriptor_pb2.FileDescriptorProto(name="oip_compliance.proto", package="inference", syntax="proto3")
    made = {}
    for path in sorted(MESSAGES, key=lambda p: p.count(".")):  # parents before their nested messages
        parent, _, leaf = path.rpartition(".")
        container = made[parent].nested_type if parent else fdp.message_type
        made[path] = container.add(name=leaf)
    for path, fields in MESSAGES.items():
        for spec in fields:
            _add_field(made[path], spec, path)
    svc = fdp.service.add(name="GRPCInferenceService")
    for name, (req, res) in METHODS.items():
        svc.method.add(name=name, input_type=".inference." + req, output_type=".inference." + res)
    return fdp


def message_classes():
    """name -> message class, for every message of the table."""
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file_descriptor())
    out = {}
    for path in MESSAGES:
        desc = pool.FindMessageTypeByName("inference." + path)
        get = getattr(message_factory, "GetMessageClass", None)
        out[path] = get(desc) if get else message_factory.MessageFactory(pool).GetPrototype(desc)
    return out


def compare_with_proto(proto_path):
    """Differences between the server's .proto (compiled by protoc) and the table; [] when none."""
    with tempfile.TemporaryDirectory(prefix="oip-compliance-") as tmp:
        out = os.path.join(tmp, "set.pb")
        subprocess.run(["protoc", "-I", os.path.dirname(proto_path), "--descriptor_set_out=" + out, os.path.basename(proto_path)], check=True)
        with open(out, "rb") as f:
            theirs = descriptor_pb2.FileDescriptorSet.FromString(f.read()).file[0]
    ours = file_descriptor()
    problems = []
    if theirs.package != "inference":
        problems.append("package is %r" % theirs.package)
    mine, other = _messages(ours), _messages(theirs)
    for name, fields in mine.items():
        if name not in other:
            problems.append("no message %s" % name)
        elif fields != other[name]:
            problems.append("message %s differs: %s" % (name, sorted(set(fields.items()) ^ set(other[name].items()))))
    svc = [s for s in theirs.service if s.name == "GRPCInferenceService"]
    methods = {m.name: (m.input_type, m.output_type, m.client_streaming, m.server_streaming) for m in (svc[0].method if svc else [])}
    for m in ours.service[0].method:
        if methods.get(m.name) != (m.input_type, m.output_type, False, False):
            problems.append("rpc %s is %r" % (m.name, methods.get(m.name)))
    return problems


def _messages(fdp):
    """Message path -> {field name: (number, type, label, type name or map key/value, oneof)}."""
    out = {}

    def walk(msgs, prefix):
        for m in msgs:
            if m.options.map_entry:
                continue
            path = prefix + m.name
            entries = {e.name: tuple((f.type, f.type_name) for f in e.field) for e in m.nested_type if e.options.map_entry}
            oneofs = [o.name for o in m.oneof_decl]
            out[path] = {
                f.name: (f.number, f.type, f.label, entries.get(f.type_name.rpartition(".")[2], f.type_name),
                         oneofs[f.oneof_index] if f.HasField("oneof_index") else None)
                for f in m.field
            }
            walk(m.nested_type, path + ".")

    walk(fdp.message_type, "")
    return out


# --- tensors -------------------------------------------------------------------------------------

FORMATS = {"BOOL": "?", "UINT8": "B", "UINT16": "H", "UINT32": "I", "UINT64": "Q", "INT8": "b", "INT16": "h",
           "INT32": "i", "INT64": "q", "FP16": "H", "BF16": "H", "FP32": "f", "FP64": "d"}
TYPED_FIELD = {"BOOL": "bool_contents", "INT8": "int_contents", "INT16": "int_contents", "INT32": "int_contents",
               "INT64": "int64_contents", "UINT8": "uint_contents", "UINT16": "uint_contents", "UINT32": "uint_contents",
               "UINT64": "uint64_contents", "FP32": "fp32_contents", "FP64": "fp64_contents", "BYTES": "bytes_contents"}


def to_raw(datatype, values):
    """Canonical values -> the raw layout: little-endian, BYTES with 4-byte length prefixes."""
    if datatype == "BYTES":
        return b"".join(struct.pack("<I", len(v)) + v for v in values)
    return struct.pack("<%d%s" % (len(values), FORMATS[datatype]), *values)


def from_raw(datatype, raw, n):
    if datatype == "BYTES":
        out, p = [], 0
        for _ in range(n):
            (size,) = struct.unpack_from("<I", raw, p)
            out.append(bytes(raw[p + 4:p + 4 + size]))
            p += 4 + size
        if p != len(raw):
            raise ValueError("%d bytes after the BYTES elements" % (len(raw) - p))
        return out
    return list(struct.unpack("<%d%s" % (n, FORMATS[datatype]), raw))


def to_json(datatype, values):
    """Canonical values -> JSON `data` elements."""
    if datatype == "BYTES":
        return [v.decode("utf-8") for v in values]
    if datatype == "FP16":
        return [struct.unpack("<e", struct.pack("<H", v))[0] for v in values]
    if datatype == "BF16":
        return [struct.unpack("<f", struct.pack("<I", v << 16))[0] for v in values]
    return list(values)


def from_json(datatype, data):
    """JSON `data` elements (flat) -> canonical values."""
    if datatype == "BYTES":
        return [v.encode("utf-8") for v in data]
    if datatype == "FP16":
        return [struct.unpack("<H", struct.pack("<e", v))[0] for v in data]
    if datatype == "BF16":
        return [struct.unpack("<I", struct.pack("<f", v))[0] >> 16 for v in data]
    if datatype == "FP32":
        return [struct.unpack("<f", struct.pack("<f", v))[0] for v in data]
    if datatype == "FP64":
        return [float(v) for v in data]
    return list(data)


def nest(values, shape):
    """A flat list nested as `shape` (row-major)."""
    if len(shape) <= 1:
        return list(values)
    step = len(values) // shape[0] if shape[0] else 0
    return [nest(values[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]
