"""Apache Thrift (Python) Echo server, the peer Weir's Thrift clients are tested against.

  /usr/bin/python3 py_server.py --transport=framed|buffered|header --protocol=binary|compact [--zlib] [--port=0]

Binds 127.0.0.1, prints `PORT <n>` on stdout once listening, serves until killed. Each connection
gets its own thread. With --transport=header the server also answers framed and unframed binary
and compact clients (THeaderProtocol detects them per message).
"""
import sys
import threading

from peer_common import base_args, header_protocol, load_stubs, protocol_factory


def make_handler(Echo, ttypes):
    lock = threading.Lock()
    state = {"fired": 0}

    class Handler(Echo.Iface):
        def ping(self, msg):
            return msg

        def echo(self, value):
            return value

        def add(self, a, b):
            return a + b

        def fail(self, code, message):
            raise ttypes.EchoError(code=code, message=message)

        def boom(self):
            raise RuntimeError("boom: an undeclared error")

        def fire(self, msg):
            with lock:
                state["fired"] += 1

        def fired(self):
            with lock:
                return state["fired"]

    return Handler()


def serve_client(processor, client, args):
    from thrift.transport import TTransport
    try:
        if args.transport == "header":
            iprot = oprot = header_protocol(client, args)
        else:
            wrap = TTransport.TFramedTransport if args.transport == "framed" else TTransport.TBufferedTransport
            trans = wrap(client)
            iprot = oprot = protocol_factory(args).getProtocol(trans)
        while True:
            processor.process(iprot, oprot)
    except TTransport.TTransportException:
        pass  # the client went away
    except Exception as e:  # noqa: BLE001  a peer that sends garbage must not stop the server
        print("connection error: %r" % (e,), file=sys.stderr, flush=True)
    finally:
        client.close()


def main():
    p = base_args(__doc__)
    p.add_argument("--port", type=int, default=0)
    args = p.parse_args()
    Echo, ttypes = load_stubs(args)
    from thrift.transport import TSocket
    processor = Echo.Processor(make_handler(Echo, ttypes))
    server = TSocket.TServerSocket(host="127.0.0.1", port=args.port)
    server.listen()
    print("PORT %d" % server.handle.getsockname()[1], flush=True)
    while True:
        client = server.accept()
        if client is None:
            continue
        threading.Thread(target=serve_client, args=(processor, client, args), daemon=True).start()


if __name__ == "__main__":
    main()
