// A WebSocket flood, run as its own process by websocket.load-test.ts so that its work does not
// slow the well-behaved client measured in the test process:
//   node ws-flood.js <ws-url> <sockets> <message-bytes>
// Each socket sends one Generate request, then large text messages as fast as the server takes
// them, and never reads what comes back; a socket the server closes is replaced by a new one. It
// prints `flooding <n>` once <n> sockets are open, and `sent <bytes> opened <n>` every 500 ms; it
// runs until killed. It speaks the protocol on raw TCP and writes one pre-masked frame over and
// over, so that its own CPU goes to the attack and not to masking.
import net from "node:net";

const [url, socketsArg, bytesArg] = process.argv.slice(2);
const target = new URL(url!);
const sockets = Number(socketsArg);
const request = frame(Buffer.from(JSON.stringify({ prompt: "The river", max_tokens: 4096 })));
const message = frame(Buffer.alloc(Number(bytesArg), "x"));
/** What each socket may hold unsent in this process: enough to keep the server's side full. */
const AHEAD = 4 * message.length;
let sent = 0;
let opened = 0;
const open = new Set<net.Socket>();

/** A masked text frame (clients must mask; any key will do, so one frame serves every send). */
function frame(payload: Buffer): Buffer {
  const key = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x81, 0x80 | n]) : n < 65536 ? Buffer.from([0x81, 0xfe, n >> 8, n & 255]) : Buffer.alloc(10);
  if (n >= 65536) {
    head[0] = 0x81;
    head[1] = 0xff;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  const body = Buffer.from(payload);
  for (let i = 0; i < n; i++) body[i]! ^= key[i & 3]!;
  return Buffer.concat([head, key, body]);
}

function connect(): void {
  const socket = net.connect(Number(target.port), target.hostname);
  socket.on("error", () => {});
  socket.once("close", () => {
    open.delete(socket);
    setTimeout(connect, 10); // not at once: a refused socket would make a hot loop
  });
  socket.once("connect", () => socket.write([
    `GET ${target.pathname} HTTP/1.1`, `Host: ${target.host}`, "Upgrade: websocket", "Connection: Upgrade",
    "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "", "",
  ].join("\r\n")));
  let head = "";
  const onData = (b: Buffer) => {
    head += b.toString("latin1");
    if (!head.includes("\r\n\r\n")) return;
    socket.off("data", onData);
    socket.pause(); // never read: replies and pings pile up at the server
    if (!head.startsWith("HTTP/1.1 101")) return void socket.destroy();
    socket.write(request);
    open.add(socket);
    if (++opened === sockets) process.stdout.write(`flooding ${opened}\n`);
  };
  socket.on("data", onData);
}

/** Top every socket up to AHEAD unsent bytes, a few frames per socket and turn. */
function pump(): void {
  for (const s of open) {
    for (let i = 0; i < 4 && !s.destroyed && s.writableLength < AHEAD; i++) {
      sent += message.length;
      s.write(message);
    }
  }
}

for (let i = 0; i < sockets; i++) connect();
setInterval(pump, 5);
setInterval(() => process.stdout.write(`sent ${sent} opened ${opened}\n`), 500);
