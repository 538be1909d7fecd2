/** The grpc-js client, used the way its documentation shows: callback-style unary calls. */
import * as grpc from "@grpc/grpc-js";
import { loadGrpcJsEcho } from "../servers/grpcjs-server.js";
import type { Recorder } from "./recorder.js";
import type { LoadSpec } from "./types.js";

interface EchoMessage { payload: Buffer }
type UnaryFn = (req: EchoMessage, cb: (err: grpc.ServiceError | null, res?: EchoMessage) => void) => void;

export async function runGrpcJsLoad(spec: LoadSpec, rec: Recorder): Promise<void> {
  const Echo = loadGrpcJsEcho();
  const client = new Echo(`127.0.0.1:${spec.port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & { Unary: UnaryFn };
  const request: EchoMessage = { payload: spec.payload };
  const size = spec.payload.length;
  try {
    await new Promise<void>((resolve) => {
      let running = spec.concurrency;
      const loop = (): void => {
        if (performance.now() >= rec.stopAt) {
          if (--running === 0) resolve();
          return;
        }
        const started = performance.now();
        client.Unary(request, (err, res) => {
          const ok = !err && res?.payload.length === size;
          rec.done(started, ok, err ?? (ok ? undefined : new Error("wrong reply")));
          loop();
        });
      };
      for (let i = 0; i < spec.concurrency; i++) loop();
    });
  } finally {
    client.close();
  }
}
