"""The interop test client on python3-grpcio (gRPC C-core), a peer for Weir's server.

    /usr/bin/python3 test/interop/grpc/py_client.py --server_host=H --server_port=N --test_case=NAME[,NAME...]

Prints "PASS name" or "FAIL name: why" per case and exits 0 only if all passed. Response
compressed flags are checked exactly (see py_common). One limit of grpcio: a client cannot turn
compression off for a single message of a compressed call, so in client_compressed_streaming the
second message goes out compressed and leaves expect_compressed unset ("do not check"), instead
of going out uncompressed with expect_compressed=false.
"""

import queue
import sys
import threading
import time

import grpc

import py_common as common

EMPTY, MSG = common.load_messages()
LARGE_REQUEST, LARGE_RESPONSE = 271828, 314159
STATUS_MESSAGE = "test status message"
SPECIAL_STATUS_MESSAGE = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n"
ECHO_METADATA = ((common.ECHO_INITIAL_KEY, "test_initial_metadata_value"), (common.ECHO_TRAILING_KEY, b"\xab\xab\xab"))


class CheckError(Exception):
    pass


def check(ok, message):
    if not ok:
        raise CheckError(message)


def zeros(n):
    return MSG.Payload(type=MSG.COMPRESSABLE, body=b"\x00" * n)


def check_payload(payload, size, what):
    check(len(payload.body) == size, "%s payload size: expected %d, got %d" % (what, size, len(payload.body)))
    check(payload.body.count(0) == size, "%s payload is not all zeros" % what)


def expect_error(fn, code, details=None):
    try:
        fn()
    except grpc.RpcError as e:
        check(e.code() == code, "status code: expected %s, got %s (%r)" % (code, e.code(), e.details()))
        if details is not None:
            check(e.details() == details, "status message: expected %r, got %r" % (details, e.details()))
        return e
    raise CheckError("the call succeeded; expected %s" % code)


class Stubs:
    def __init__(self, channel):
        c, r, w = channel, common.reader, common.writer
        p = "/" + common.SERVICE + "/"
        OR = MSG.StreamingOutputCallResponse
        self.empty = c.unary_unary(p + "EmptyCall", w(None), r(EMPTY.Empty))
        self.unary = c.unary_unary(p + "UnaryCall", w(None), r(MSG.SimpleResponse))
        self.output = c.unary_stream(p + "StreamingOutputCall", w(None), r(OR))
        self.input = c.stream_unary(p + "StreamingInputCall", w(None), r(MSG.StreamingInputCallResponse))
        self.duplex = c.stream_stream(p + "FullDuplexCall", w(None), r(OR))
        self.unimplemented = c.unary_unary(p + "UnimplementedCall", w(None), r(EMPTY.Empty))
        self.other_service = c.unary_unary("/" + common.UNIMPLEMENTED_SERVICE + "/UnimplementedCall", w(None), r(EMPTY.Empty))


class Pipe:
    """A request iterator fed from another thread; put(None) half-closes."""

    def __init__(self):
        self.q = queue.Queue()

    def put(self, item):
        self.q.put(item)

    def __iter__(self):
        while True:
            item = self.q.get()
            if item is None:
                return
            yield item


def large(**extra):
    return MSG.SimpleRequest(response_size=LARGE_RESPONSE, payload=zeros(LARGE_REQUEST), **extra)


def empty_unary(s):
    _, res = s.empty(EMPTY.Empty())
    check(res is not None, "no response")


def large_unary(s):
    _, res = s.unary(large())
    check_payload(res.payload, LARGE_RESPONSE, "response")


def client_streaming(s):
    _, res = s.input(iter([MSG.StreamingInputCallRequest(payload=zeros(n)) for n in (27182, 8, 1828, 45904)]))
    check(res.aggregated_payload_size == 74922, "aggregated_payload_size: %d" % res.aggregated_payload_size)


def server_streaming(s):
    sizes = (31415, 9, 2653, 58979)
    got = [m for _, m in s.output(MSG.StreamingOutputCallRequest(
        response_parameters=[MSG.ResponseParameters(size=n) for n in sizes]))]
    check(len(got) == len(sizes), "expected %d responses, got %d" % (len(sizes), len(got)))
    for m, n in zip(got, sizes):
        check_payload(m.payload, n, "response")


def ping_pong(s):
    pipe = Pipe()
    call = s.duplex(iter(pipe))
    try:
        for req_size, res_size in ((27182, 31415), (8, 9), (1828, 2653), (45904, 58979)):
            pipe.put(MSG.StreamingOutputCallRequest(
                response_parameters=[MSG.ResponseParameters(size=res_size)], payload=zeros(req_size)))
            _, res = next(call)
            check_payload(res.payload, res_size, "response")
        pipe.put(None)
        check(next(call, None) is None, "more responses than requests")
        check(call.code() == grpc.StatusCode.OK, "status %s" % call.code())
    finally:
        pipe.put(None)


def empty_stream(s):
    got = list(s.duplex(iter([])))
    check(len(got) == 0, "expected no responses, got %d" % len(got))


def check_echo(initial, trailing, what):
    initial, trailing = dict(initial), dict(trailing)
    check(initial.get(common.ECHO_INITIAL_KEY) == "test_initial_metadata_value",
          "%s: echoed initial metadata is %r" % (what, initial.get(common.ECHO_INITIAL_KEY)))
    check(trailing.get(common.ECHO_TRAILING_KEY) == b"\xab\xab\xab",
          "%s: echoed trailing metadata is %r" % (what, trailing.get(common.ECHO_TRAILING_KEY)))


def custom_metadata(s):
    (_, res), call = s.unary.with_call(large(), metadata=ECHO_METADATA)
    check_payload(res.payload, LARGE_RESPONSE, "unary response")
    check_echo(call.initial_metadata(), call.trailing_metadata(), "UnaryCall")
    req = MSG.StreamingOutputCallRequest(
        response_parameters=[MSG.ResponseParameters(size=LARGE_RESPONSE)], payload=zeros(LARGE_REQUEST))
    call = s.duplex(iter([req]), metadata=ECHO_METADATA)
    got = list(call)
    check(len(got) == 1, "FullDuplexCall: expected 1 response, got %d" % len(got))
    check_echo(call.initial_metadata(), call.trailing_metadata(), "FullDuplexCall")


def status_code_and_message(s):
    status = MSG.EchoStatus(code=2, message=STATUS_MESSAGE)
    expect_error(lambda: s.unary(MSG.SimpleRequest(response_status=status)), grpc.StatusCode.UNKNOWN, STATUS_MESSAGE)
    req = MSG.StreamingOutputCallRequest(response_status=status)
    expect_error(lambda: list(s.duplex(iter([req]))), grpc.StatusCode.UNKNOWN, STATUS_MESSAGE)


def special_status_message(s):
    status = MSG.EchoStatus(code=2, message=SPECIAL_STATUS_MESSAGE)
    expect_error(lambda: s.unary(MSG.SimpleRequest(response_status=status)), grpc.StatusCode.UNKNOWN, SPECIAL_STATUS_MESSAGE)


def unimplemented_method(s):
    expect_error(lambda: s.unimplemented(EMPTY.Empty()), grpc.StatusCode.UNIMPLEMENTED)


def unimplemented_service(s):
    expect_error(lambda: s.other_service(EMPTY.Empty()), grpc.StatusCode.UNIMPLEMENTED)


def cancel_after_begin(s):
    pipe = Pipe()
    future = s.input.future(iter(pipe))
    future.cancel()
    pipe.put(None)
    check(future.cancelled(), "the call was not cancelled")
    check(future.code() == grpc.StatusCode.CANCELLED, "status %s" % future.code())


def cancel_after_first_response(s):
    pipe = Pipe()
    call = s.duplex(iter(pipe))
    try:
        pipe.put(MSG.StreamingOutputCallRequest(
            response_parameters=[MSG.ResponseParameters(size=31415)], payload=zeros(27182)))
        _, res = next(call)
        check_payload(res.payload, 31415, "first response")
        call.cancel()
        expect_error(lambda: next(call), grpc.StatusCode.CANCELLED)
    finally:
        pipe.put(None)


def timeout_on_sleeping_server(s):
    pipe = Pipe()
    pipe.put(MSG.StreamingOutputCallRequest(payload=zeros(27182)))
    try:
        expect_error(lambda: list(s.duplex(iter(pipe), timeout=0.001)), grpc.StatusCode.DEADLINE_EXCEEDED)
    finally:
        pipe.put(None)


def client_compressed_unary(s):
    probe = large(expect_compressed=MSG.BoolValue(value=True))
    expect_error(lambda: s.unary(probe), grpc.StatusCode.INVALID_ARGUMENT)
    _, res = s.unary(probe, compression=grpc.Compression.Gzip)
    check_payload(res.payload, LARGE_RESPONSE, "compressed call")
    _, res = s.unary(large(expect_compressed=MSG.BoolValue(value=False)))
    check_payload(res.payload, LARGE_RESPONSE, "uncompressed call")


def server_compressed_unary(s):
    for value in (True, False):
        compressed, res = s.unary(large(response_compressed=MSG.BoolValue(value=value)))
        check(compressed == value, "response_compressed=%s but the response's compressed flag is %s" % (value, compressed))
        check_payload(res.payload, LARGE_RESPONSE, "response")


def client_compressed_streaming(s):
    probe = MSG.StreamingInputCallRequest(expect_compressed=MSG.BoolValue(value=True), payload=zeros(27182))
    expect_error(lambda: s.input(iter([probe])), grpc.StatusCode.INVALID_ARGUMENT)
    second = MSG.StreamingInputCallRequest(payload=zeros(45904))  # see the module comment
    _, res = s.input(iter([probe, second]), compression=grpc.Compression.Gzip)
    check(res.aggregated_payload_size == 73086, "aggregated_payload_size: %d" % res.aggregated_payload_size)


def server_compressed_streaming(s):
    params = ((True, 31415), (False, 92653))
    req = MSG.StreamingOutputCallRequest(response_parameters=[
        MSG.ResponseParameters(compressed=MSG.BoolValue(value=c), size=n) for c, n in params])
    got = list(s.output(req))
    check(len(got) == 2, "expected 2 responses, got %d" % len(got))
    for (compressed, m), (want, n) in zip(got, params):
        check(compressed == want, "response of %d bytes: compressed flag is %s, expected %s" % (n, compressed, want))
        check_payload(m.payload, n, "response")


CASES = {f.__name__: f for f in (
    empty_unary, large_unary, client_streaming, server_streaming, ping_pong, empty_stream, custom_metadata,
    status_code_and_message, special_status_message, unimplemented_method, unimplemented_service,
    cancel_after_begin, cancel_after_first_response, timeout_on_sleeping_server, client_compressed_unary,
    server_compressed_unary, client_compressed_streaming, server_compressed_streaming)}


def run(name, stubs, timeout_s):
    """Runs one case on a worker thread, bounded by timeout_s; returns an error message or None."""
    result = {}

    def work():
        try:
            CASES[name](stubs)
        except CheckError as e:
            result["error"] = str(e)
        except grpc.RpcError as e:
            result["error"] = "RPC failed: %s %r" % (e.code(), e.details())
        except Exception as e:  # noqa: BLE001  (report anything as a failure of this case)
            result["error"] = "%s: %s" % (type(e).__name__, e)

    t = threading.Thread(target=work, daemon=True)
    t.start()
    t.join(timeout_s)
    if t.is_alive():
        return "did not finish within %ds" % timeout_s
    return result.get("error")


def main():
    flags = common.parse_flags(sys.argv[1:])
    target = "%s:%s" % (flags.get("server_host", "127.0.0.1"), flags["server_port"])
    names = [n for n in flags.get("test_case", "").split(",") if n]
    if not names:
        sys.exit("py_client: --test_case is required")
    failed = 0
    with grpc.insecure_channel(target, options=common.CHANNEL_OPTIONS) as channel:
        stubs = Stubs(channel)
        for name in names:
            started = time.monotonic()
            error = "unknown test case %r" % name if name not in CASES else run(name, stubs, 20)
            if error is None:
                print("PASS %s (%dms)" % (name, (time.monotonic() - started) * 1000), flush=True)
            else:
                failed += 1
                print("FAIL %s: %s [py-client]" % (name, error), file=sys.stderr, flush=True)
    sys.stdout.flush()
    # os._exit: a case that timed out may leave a blocked grpc thread behind.
    import os

    os._exit(1 if failed else 0)


if __name__ == "__main__":
    main()
