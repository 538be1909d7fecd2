/**
 * The echo service on @grpc/grpc-js, written the way its documentation shows: @grpc/proto-loader for the
 * .proto file, a callback for Unary, `call.write` with 'drain' for ServerStream.
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { ECHO_PROTO } from "../../lib/paths.js";
import type { BenchServer } from "./types.js";

interface EchoMessage { payload: Buffer }
interface StreamRequest { count: number; size: number }

/** The echo service definition for grpc-js (shared with the grpc-js client). */
export function loadGrpcJsEcho(): grpc.ServiceClientConstructor {
  const def = protoLoader.loadSync(ECHO_PROTO, { keepCase: true, longs: Number, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { bench: { echo: { Echo: grpc.ServiceClientConstructor } } };
  return pkg.bench.echo.Echo;
}

export async function startGrpcJsServer(): Promise<BenchServer> {
  const Echo = loadGrpcJsEcho();
  const server = new grpc.Server({ "grpc.max_concurrent_streams": 1000 });
  server.addService(Echo.service, {
    Unary(call: grpc.ServerUnaryCall<EchoMessage, EchoMessage>, callback: grpc.sendUnaryData<EchoMessage>) {
      callback(null, call.request);
    },
    ServerStream(call: grpc.ServerWritableStream<StreamRequest, EchoMessage>) {
      const { count, size } = call.request;
      const message: EchoMessage = { payload: Buffer.alloc(size, 7) };
      let sent = 0;
      const pump = (): void => {
        while (sent < count) {
          if (call.cancelled) return;
          sent++;
          if (!call.write(message)) return void call.once("drain", pump);
        }
        call.end();
      };
      pump();
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    port,
    close: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
  };
}
