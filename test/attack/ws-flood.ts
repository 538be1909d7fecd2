// A WebSocket flood, run as its own process by websocket.load-test.ts so that its work does not
// slow the well-behaved client measured in the test process:
//   node ws-flood.js <ws-url> <sockets> <message-bytes>
// Each socket sends one Generate request, then large text messages as fast as the server takes
// them, and never reads what comes back; a socket the server closes is replaced by a new one. It
// prints `flooding <n>` once <n> sockets are open, and `sent <bytes> opened <n>` every 500 ms; it
// runs until killed.
import WebSocket from "ws";

const [url, socketsArg, bytesArg] = process.argv.slice(2);
const sockets = Number(socketsArg);
const payload = "x".repeat(Number(bytesArg));
/** What each socket may hold unsent in this process: enough to keep the server's side full. */
const AHEAD = 4 * payload.length;
let sent = 0;
let opened = 0;
const open = new Set<WebSocket>();

/**
 * Top every socket up to AHEAD unsent bytes, a few messages per turn: on a timer, not in send
 * callbacks, and never in an unbounded loop (a socket the server dropped takes sends without
 * buffering them until its close event comes).
 */
function pump(): void {
  for (const ws of open) {
    for (let i = 0; i < 4 && ws.readyState === WebSocket.OPEN && ws.bufferedAmount < AHEAD; i++) {
      sent += payload.length;
      ws.send(payload);
    }
  }
}

function flood(ws: WebSocket): void {
  ws.once("open", () => {
    ws.send(JSON.stringify({ prompt: "The river", max_tokens: 4096 }));
    ws.pause(); // never read: replies and pings pile up at the server
    open.add(ws);
    if (++opened === sockets) process.stdout.write(`flooding ${opened}\n`);
  });
  ws.on("error", () => {});
  ws.once("close", () => {
    open.delete(ws);
    flood(connect());
  });
}

const connect = (): WebSocket => new WebSocket(url!, { maxPayload: 64 << 20 });
for (let i = 0; i < sockets; i++) flood(connect());
setInterval(pump, 5);
setInterval(() => process.stdout.write(`sent ${sent} opened ${opened}\n`), 500);
