"""Shared setup of the Python Thrift peers: generated code, transports and protocols by name.

Run with the Debian interpreter (/usr/bin/python3) and python3-thrift. The Echo stubs are generated
with /usr/bin/thrift into a temporary folder unless --gen names a folder that already has them.
"""
import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_IDL = os.path.normpath(os.path.join(HERE, "..", "..", "..", "examples", "thrift-echo", "echo.thrift"))

TRANSPORTS = ("framed", "buffered", "header")
PROTOCOLS = ("binary", "compact")


def base_args(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--gen", help="folder holding gen-py output of echo.thrift (generated if absent)")
    p.add_argument("--idl", default=DEFAULT_IDL, help="the Echo IDL (default: examples/thrift-echo/echo.thrift)")
    p.add_argument("--transport", choices=TRANSPORTS, default="framed")
    p.add_argument("--protocol", choices=PROTOCOLS, default="binary")
    p.add_argument("--zlib", action="store_true", help="THeader only: apply the zlib transform to what we send")
    return p


def load_stubs(args):
    """Import echo_thrift, generating it first when needed."""
    gen = args.gen
    if not gen or not os.path.isdir(os.path.join(gen, "echo_thrift")):
        gen = gen or tempfile.mkdtemp(prefix="weir-genpy-")
        os.makedirs(gen, exist_ok=True)
        subprocess.run(["/usr/bin/thrift", "--gen", "py", "-out", gen, args.idl], check=True)
    sys.path.insert(0, gen)
    from echo_thrift import Echo, ttypes  # noqa: E402  (generated)
    return Echo, ttypes


def protocol_factory(args):
    from thrift.protocol import TBinaryProtocol, TCompactProtocol
    if args.protocol == "compact":
        return TCompactProtocol.TCompactProtocolFactory()
    return TBinaryProtocol.TBinaryProtocolFactory()


def header_protocol(trans, args):
    """A THeaderProtocol over `trans` speaking the chosen subprotocol, zlib on request."""
    from thrift.protocol.THeaderProtocol import THeaderProtocol
    from thrift.transport.THeaderTransport import THeaderClientType, THeaderSubprotocolID, THeaderTransformID
    allowed = [THeaderClientType.HEADERS, THeaderClientType.FRAMED_BINARY, THeaderClientType.UNFRAMED_BINARY,
               THeaderClientType.FRAMED_COMPACT, THeaderClientType.UNFRAMED_COMPACT]
    sub = THeaderSubprotocolID.COMPACT if args.protocol == "compact" else THeaderSubprotocolID.BINARY
    proto = THeaderProtocol(trans, allowed, sub)
    if args.zlib:
        proto.trans.add_transform(THeaderTransformID.ZLIB)
    return proto


def open_client(args, Echo, headers=None):
    """Connect to args.host:args.port over args.transport and open an Echo client.

    Returns (client, proto, sock); `headers` are THeader headers to send (header transport only).
    """
    from thrift.transport import TSocket, TTransport
    sock = TSocket.TSocket(args.host, args.port)
    sock.setTimeout(10000)
    if args.transport == "header":
        trans = sock
        proto = header_protocol(sock, args)
        for k, v in (headers or {}).items():
            proto.trans.set_header(k, v)
    else:
        wrap = TTransport.TFramedTransport if args.transport == "framed" else TTransport.TBufferedTransport
        trans = wrap(sock)
        proto = protocol_factory(args).getProtocol(trans)
    trans.open()
    return Echo.Client(proto), proto, sock
