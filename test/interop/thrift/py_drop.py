"""Apache Thrift (Python) client that starts a call and drops the connection mid-call.

  /usr/bin/python3 py_drop.py --port=N --transport=framed|buffered|header [--protocol=binary|compact]
                              [--timeout-ms=N]

Sends ping("hold") without reading the reply and prints `SENT`. Then it reads stdin:
  `close`  closes the socket and prints `CLOSED <epoch ms>` (the moment of the close);
  `reply`  reads the reply and prints `REPLY <value>` or `ERROR <type> <message>`.
With --timeout-ms (THeader only) the call carries the `client_timeout` header.
"""
import sys
import time

from peer_common import base_args, load_stubs, open_client


def main():
    p = base_args(__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--timeout-ms", type=int, default=0)
    args = p.parse_args()
    Echo, _ = load_stubs(args)
    headers = {b"client_timeout": str(args.timeout_ms).encode()} if args.timeout_ms else None
    client, _proto, sock = open_client(args, Echo, headers)
    client.send_ping("hold")
    print("SENT", flush=True)
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "close":
            sock.handle.close()
            print("CLOSED %.3f" % (time.time() * 1000), flush=True)
        elif cmd == "reply":
            try:
                print("REPLY %s" % client.recv_ping(), flush=True)
            except Exception as e:  # noqa: BLE001
                print("ERROR %s %s" % (type(e).__name__, str(e)), flush=True)
        else:
            continue
        return


if __name__ == "__main__":
    main()
