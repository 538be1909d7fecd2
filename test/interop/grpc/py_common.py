"""Shared pieces of the python3-grpcio interop peers (py_server.py, py_client.py).

The message classes are generated at start-up with protoc (Debian protobuf-compiler) into a
temporary folder; the service glue is written by hand with grpc's generic handlers and
multi-callables, since grpc_tools is not available.

Both peers turn off grpc's own per-message decompression ("grpc.per_message_decompression" = 0):
C-core then hands over each message exactly as it arrived, which lets the peer see whether a
message was compressed (a gzip stream starts with 1f 8b; a protobuf message never starts with
0x1f, an invalid wire type) and decompress it itself. grpcio offers no other way to see the
per-message compressed flag.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import zlib

PROTO_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "proto")
SERVICE = "grpc.testing.TestService"
UNIMPLEMENTED_SERVICE = "grpc.testing.UnimplementedService"
CHANNEL_OPTIONS = [("grpc.per_message_decompression", 0)]
MAX_MESSAGE = 4 << 20
GZIP_MAGIC = b"\x1f\x8b"

ECHO_INITIAL_KEY = "x-grpc-test-echo-initial"
ECHO_TRAILING_KEY = "x-grpc-test-echo-trailing-bin"


def load_messages():
    """Generate empty_pb2 and messages_pb2 with protoc and import them; returns (empty, messages)."""
    out = tempfile.mkdtemp(prefix="weir-interop-pb2-")
    try:
        testing = os.path.join(PROTO_ROOT, "grpc", "testing")
        subprocess.run(
            ["protoc", "-I", testing, "--python_out=" + out, "empty.proto", "messages.proto"],
            check=True,
        )
        sys.path.insert(0, out)
        import empty_pb2  # noqa: E402  (generated just above)
        import messages_pb2  # noqa: E402

        sys.path.remove(out)
        return empty_pb2, messages_pb2
    finally:
        shutil.rmtree(out, ignore_errors=True)


def inflate(raw):
    """Returns (compressed, bytes): gunzips a gzip message, passes any other through."""
    if raw[:2] != GZIP_MAGIC:
        return False, raw
    d = zlib.decompressobj(wbits=31)
    data = d.decompress(raw, MAX_MESSAGE + 1)
    if len(data) > MAX_MESSAGE or d.unconsumed_tail:
        raise ValueError("message decompresses to more than %d bytes" % MAX_MESSAGE)
    return True, data


def reader(cls):
    """A deserializer yielding (compressed, message) for the message class `cls`."""

    def read(raw):
        compressed, data = inflate(raw)
        return compressed, cls.FromString(data)

    return read


def writer(_cls):
    return lambda msg: msg.SerializeToString()


def parse_flags(argv):
    flags = {}
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg.startswith("--"):
            if "=" in arg:
                key, value = arg[2:].split("=", 1)
            elif i + 1 < len(argv) and not argv[i + 1].startswith("--"):
                key, value = arg[2:], argv[i + 1]
                i += 1
            else:
                key, value = arg[2:], "true"
            flags[key] = value
        i += 1
    return flags
