"""Apache Thrift (Python) Echo client, the peer Weir's Thrift server is tested against.

  /usr/bin/python3 py_client.py --port=N [--host=127.0.0.1] --transport=framed|buffered|header
                                --protocol=binary|compact [--zlib]

Calls every Echo method with edge-case values, prints one `PASS name` or `FAIL name: why` line per
call and a final `N passed, N failed`; exits 1 when any call failed.
"""
import sys

from peer_common import base_args, load_stubs, open_client

I64_MAX = 2 ** 63 - 1
I64_MIN = -(2 ** 63)
I32_MAX = 2 ** 31 - 1
I32_MIN = -(2 ** 31)


def everything(ttypes, **overrides):
    v = ttypes.Everything(
        big=I64_MIN, ratio=-1.5e308, text=u"h\u00e9llo \u2713 \U0001d11e", blob=bytes(range(256)),
        numbers=[I32_MIN, -1, 0, 1, I32_MAX], counts={"": -1, "max": I64_MAX, "min": I64_MIN},
        tags={"a", "b", u"\u00fc"}, inner=ttypes.Inner(id=I32_MIN, label=""), color=ttypes.Color.BLUE,
        note=None, flag=True, tiny=-128, small=-32768,
        inners=[ttypes.Inner(id=1, label="one"), ttypes.Inner(id=-2, label=u"\u4e8c")],
        nested={1: ["x", ""], -7: [], I32_MAX: [u"\u00e9"]},
    )
    for k, val in overrides.items():
        setattr(v, k, val)
    return v


def cases(client, ttypes, proto):
    from thrift.Thrift import TApplicationException

    def expect(got, want):
        if got != want:
            raise AssertionError("got %r, want %r" % (got, want))

    def raises(fn, check):
        try:
            fn()
        except Exception as e:  # noqa: BLE001
            check(e)
            return
        raise AssertionError("no exception")

    def app_exc(type_):
        def check(e):
            if not isinstance(e, TApplicationException) or e.type != type_:
                raise AssertionError("want TApplicationException type %d, got %r" % (type_, e))
        return check

    def echo_error(e):
        if not isinstance(e, ttypes.EchoError) or e.code != -42 or e.message != u"n\u00f6pe":
            raise AssertionError("want EchoError(-42, 'n\u00f6pe'), got %r" % (e,))

    big_text = u"\u00e9" * 50000
    return [
        ("ping empty", lambda: expect(client.ping(""), "")),
        ("ping unicode", lambda: expect(client.ping(u"h\u00e9llo \U0001d11e"), u"h\u00e9llo \U0001d11e")),
        ("ping 100 KB", lambda: expect(client.ping(big_text), big_text)),
        ("echo everything", lambda: expect(client.echo(everything(ttypes)), everything(ttypes))),
        ("echo optional set", lambda: expect(client.echo(everything(ttypes, note="n", big=I64_MAX, color=ttypes.Color.RED)),
                                             everything(ttypes, note="n", big=I64_MAX, color=ttypes.Color.RED))),
        ("echo empty containers", lambda: expect(client.echo(everything(ttypes, numbers=[], counts={}, tags=set(), inners=[], nested={}, blob=b"")),
                                                 everything(ttypes, numbers=[], counts={}, tags=set(), inners=[], nested={}, blob=b""))),
        ("add i64 edge", lambda: expect(client.add(2 ** 62, 2 ** 62 - 1), I64_MAX)),
        ("add negative", lambda: expect(client.add(I64_MIN + 1, -1), I64_MIN)),
        ("fail declared exception", lambda: raises(lambda: client.fail(-42, u"n\u00f6pe"), echo_error)),
        ("boom undeclared error", lambda: raises(client.boom, app_exc(TApplicationException.INTERNAL_ERROR))),
        ("fire oneway then fired", lambda: (client.fire("x"), client.fire("y"), check_fired(client.fired()))),
        ("unknown method", lambda: raises(lambda: call_unknown(proto), app_exc(TApplicationException.UNKNOWN_METHOD))),
        ("ping after errors", lambda: expect(client.ping("still here"), "still here")),
    ]


def check_fired(n):
    if n < 2:
        raise AssertionError("fired() = %d, want >= 2" % n)


def call_unknown(proto):
    """Send a CALL for a method Echo does not have and read the reply."""
    from thrift.Thrift import TApplicationException, TMessageType
    proto.writeMessageBegin("nope", TMessageType.CALL, 99)
    proto.writeStructBegin("nope_args")
    proto.writeFieldStop()
    proto.writeStructEnd()
    proto.writeMessageEnd()
    proto.trans.flush()
    _, mtype, _ = proto.readMessageBegin()
    if mtype != TMessageType.EXCEPTION:
        raise AssertionError("reply type %d, want EXCEPTION" % mtype)
    x = TApplicationException()
    x.read(proto)
    proto.readMessageEnd()
    raise x


def main():
    p = base_args(__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    args = p.parse_args()
    Echo, ttypes = load_stubs(args)
    client, proto, _sock = open_client(args, Echo)
    trans = proto.trans
    passed = failed = 0
    for name, fn in cases(client, ttypes, proto):
        try:
            fn()
            passed += 1
            print("PASS %s" % name, flush=True)
        except Exception as e:  # noqa: BLE001
            failed += 1
            print("FAIL %s: %s" % (name, str(e)[:300] or repr(e)), flush=True)
    print("%d passed, %d failed" % (passed, failed), flush=True)
    trans.close()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
