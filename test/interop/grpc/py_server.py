"""The interop test server on python3-grpcio (gRPC C-core), a peer for Weir's client.

    /usr/bin/python3 test/interop/grpc/py_server.py --port=N [--host=127.0.0.1]

Prints "listening on port N" once it accepts calls. Serves grpc.testing.TestService except
UnimplementedCall, and not grpc.testing.UnimplementedService. Request compression is checked
per message (see py_common: decompression is done here, so the compressed flag is visible);
responses are compressed by C-core: set_compression(Gzip) for the call, then
disable_next_message_compression() for each message that must go out uncompressed.
"""

import sys
import threading
import time
from concurrent import futures

import grpc

import py_common as common

EMPTY, MSG = common.load_messages()
CODES = {s.value[0]: s for s in grpc.StatusCode}


class Call:
    """Per-call state: echoed headers go out lazily, after the compression choice is made."""

    def __init__(self, context):
        self.context = context
        self.md = dict(context.invocation_metadata())
        self.headers_sent = False
        trailing = self.md.get(common.ECHO_TRAILING_KEY)
        if trailing is not None:
            context.set_trailing_metadata(((common.ECHO_TRAILING_KEY, trailing),))

    def send_headers(self, compress=False):
        if self.headers_sent:
            return
        self.headers_sent = True
        if compress:
            self.context.set_compression(grpc.Compression.Gzip)
        initial = self.md.get(common.ECHO_INITIAL_KEY)
        if initial is not None:
            self.context.send_initial_metadata(((common.ECHO_INITIAL_KEY, initial),))

    def fail(self, code, message):
        self.send_headers()
        self.context.abort(CODES.get(code, grpc.StatusCode.UNKNOWN), message)

    def check_status(self, req):
        if req.HasField("response_status") and req.response_status.code != 0:
            self.fail(req.response_status.code, req.response_status.message)

    def check_compressed(self, req, compressed):
        if req.HasField("expect_compressed") and req.expect_compressed.value != compressed:
            want = "compressed" if req.expect_compressed.value else "uncompressed"
            got = "compressed" if compressed else "uncompressed"
            self.fail(grpc.StatusCode.INVALID_ARGUMENT.value[0], "expected a %s request, got a %s one" % (want, got))

    def payload(self, size):
        if size < 0:
            self.fail(grpc.StatusCode.INVALID_ARGUMENT.value[0], "response size %d is negative" % size)
        return MSG.Payload(type=MSG.COMPRESSABLE, body=b"\x00" * size)

    def stream(self, req):
        """Yields one response per ResponseParameters, sleeping interval_us before each."""
        for p in req.response_parameters:
            if p.interval_us > 0:
                time.sleep(p.interval_us / 1e6)
            if not self.context.is_active():
                return
            self.send_headers()
            if not (p.HasField("compressed") and p.compressed.value):
                self.context.disable_next_message_compression()
            yield MSG.StreamingOutputCallResponse(payload=self.payload(p.size))


def wants_compression(req):
    return any(p.HasField("compressed") and p.compressed.value for p in req.response_parameters)


def empty_call(request, context):
    Call(context).send_headers()
    return EMPTY.Empty()


def unary_call(request, context):
    compressed, req = request
    call = Call(context)
    call.check_compressed(req, compressed)
    call.check_status(req)
    call.send_headers(req.HasField("response_compressed") and req.response_compressed.value)
    return MSG.SimpleResponse(payload=call.payload(req.response_size))


def cacheable_unary_call(request, context):
    context.send_initial_metadata((("cache-control", "max-age=60, public"),))
    return MSG.SimpleResponse(payload=MSG.Payload(body=str(time.time_ns()).encode()))


def streaming_output_call(request, context):
    _, req = request
    call = Call(context)
    call.check_status(req)
    call.send_headers(wants_compression(req))
    yield from call.stream(req)


def streaming_input_call(requests, context):
    call = Call(context)
    total = 0
    for compressed, req in requests:
        call.check_compressed(req, compressed)
        total += len(req.payload.body)
    call.send_headers()
    return MSG.StreamingInputCallResponse(aggregated_payload_size=total)


def full_duplex_call(requests, context):
    call = Call(context)
    for _, req in requests:
        call.check_status(req)
        call.send_headers(wants_compression(req))
        yield from call.stream(req)
    call.send_headers()


def half_duplex_call(requests, context):
    call = Call(context)
    buffered = [req for _, req in requests]
    for req in buffered:
        call.check_status(req)
        call.send_headers(wants_compression(req))
        yield from call.stream(req)
    call.send_headers()


def handlers():
    S, O = MSG.SimpleRequest, MSG.StreamingOutputCallRequest
    r, w = common.reader, common.writer
    return grpc.method_handlers_generic_handler(common.SERVICE, {
        "EmptyCall": grpc.unary_unary_rpc_method_handler(empty_call, r(EMPTY.Empty), w(None)),
        "UnaryCall": grpc.unary_unary_rpc_method_handler(unary_call, r(S), w(None)),
        "CacheableUnaryCall": grpc.unary_unary_rpc_method_handler(cacheable_unary_call, r(S), w(None)),
        "StreamingOutputCall": grpc.unary_stream_rpc_method_handler(streaming_output_call, r(O), w(None)),
        "StreamingInputCall": grpc.stream_unary_rpc_method_handler(
            streaming_input_call, r(MSG.StreamingInputCallRequest), w(None)),
        "FullDuplexCall": grpc.stream_stream_rpc_method_handler(full_duplex_call, r(O), w(None)),
        "HalfDuplexCall": grpc.stream_stream_rpc_method_handler(half_duplex_call, r(O), w(None)),
    })


def main():
    flags = common.parse_flags(sys.argv[1:])
    host = flags.get("host", "127.0.0.1")
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=32), options=common.CHANNEL_OPTIONS)
    server.add_generic_rpc_handlers((handlers(),))
    port = server.add_insecure_port("%s:%s" % (host, flags.get("port", "0")))
    if port == 0:
        sys.exit("py_server: cannot bind %s:%s" % (host, flags.get("port")))
    server.start()
    print("listening on port %d" % port, flush=True)
    stop = threading.Event()
    try:
        import signal

        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        while not stop.wait(3600):
            pass
    except KeyboardInterrupt:
        pass
    server.stop(0.5).wait()


if __name__ == "__main__":
    main()
