"""An Open Inference Protocol (KServe v2) compliance checker, on python3-grpcio and http.client.

    /usr/bin/python3 test/interop/oip/compliance.py --host 127.0.0.1 --http-port N --grpc-port M [--proto PATH]

Checks every endpoint of both protocols and, for every ready model of the repository index,
infers with inputs made from its metadata over REST JSON (flat and nested), REST binary tensors,
gRPC raw contents and gRPC typed contents: every form must give the same outputs, the request id
back exactly, and the model's known results (add_sub, string_ops, identity_*). Then the errors
the protocol prescribes, each followed by a request that must still be answered. With --proto,
the server's .proto is compared with the protocol's messages and field numbers.

Prints "PASS <check>" or "FAIL <check>: <why>" per check and a last line "SUMMARY passed=N
failed=M"; exits 0 only when nothing failed.
"""

import argparse
import http.client
import json
import struct
import sys
import traceback

import grpc

import oip_protocol as oip

RESULTS = {"passed": 0, "failed": 0}


def check(name, fn):
    try:
        fn()
        RESULTS["passed"] += 1
        print("PASS " + name, flush=True)
    except Exception as e:  # a failed check is reported, and the next one runs
        RESULTS["failed"] += 1
        detail = str(e) if isinstance(e, AssertionError) else traceback.format_exc(limit=3)
        print("FAIL %s: %s" % (name, detail.strip().replace("\n", " | ")), flush=True)


def expect(ok, message):
    if not ok:
        raise AssertionError(message)


class Rest:
    def __init__(self, host, port):
        self.host, self.port = host, port

    def call(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def json(self, method, path, body=None, status=200):
        s, h, raw = self.call(method, path, None if body is None else json.dumps(body).encode(), {"content-type": "application/json"})
        expect(s == status, "%s %s: status %d, expected %d: %r" % (method, path, s, status, raw[:300]))
        return json.loads(raw) if raw else None

    def error(self, method, path, body, status, headers=None):
        s, h, raw = self.call(method, path, body, headers)
        expect(s == status, "%s %s: status %d, expected %d: %r" % (method, path, s, status, raw[:300]))
        doc = json.loads(raw)
        expect(list(doc) == ["error"] and isinstance(doc["error"], str) and doc["error"], "error body %r" % doc)
        return doc["error"]


class Grpc:
    def __init__(self, host, port):
        self.msgs = oip.message_classes()
        limit = 64 << 20
        self.channel = grpc.insecure_channel("%s:%d" % (host, port), options=[("grpc.max_receive_message_length", limit), ("grpc.max_send_message_length", limit)])
        self.calls = {}
        for name, (req, res) in oip.METHODS.items():
            self.calls[name] = self.channel.unary_unary("/%s/%s" % (oip.SERVICE, name), request_serializer=lambda m: m.SerializeToString(), response_deserializer=self.msgs[res].FromString)

    def __call__(self, method, **fields):
        req = self.msgs[oip.METHODS[method][0]](**fields)
        return self.calls[method](req, timeout=30)

    def status(self, method, request):
        try:
            self.calls[method](request, timeout=30)
        except grpc.RpcError as e:
            return e.code(), e.details()
        return grpc.StatusCode.OK, ""


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--http-port", type=int, required=True)
    p.add_argument("--grpc-port", type=int, required=True)
    p.add_argument("--proto", help="the server's inference.proto, compared with the protocol's messages")
    a = p.parse_args()
    rest, rpc = Rest(a.host, a.http_port), Grpc(a.host, a.grpc_port)
    if a.proto:
        check("proto: the server's .proto has the protocol's package, messages, field numbers and rpcs",
              lambda: expect(oip.compare_with_proto(a.proto) == [], "; ".join(oip.compare_with_proto(a.proto))))
    import checks  # noqa: E402  (after argument parsing, so that --help works without the peers)
    checks.run(check, expect, rest, rpc)
    print("SUMMARY passed=%d failed=%d" % (RESULTS["passed"], RESULTS["failed"]), flush=True)
    rpc.channel.close()
    sys.exit(0 if RESULTS["failed"] == 0 and RESULTS["passed"] > 0 else 1)


if __name__ == "__main__":
    main()
