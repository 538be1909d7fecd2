/** A running echo server inside a server child process. */
export interface BenchServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts one implementation of bench/proto/echo.proto on 127.0.0.1, port 0. */
export type StartServer = () => Promise<BenchServer>;
