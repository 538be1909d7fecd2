/** Where a command writes; the real process streams, or buffers in tests. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** The process's stdout and stderr. */
export const processIo: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

/** A command of the `weir` program. */
export interface Command {
  readonly name: string;
  /** One line for `weir help`. */
  readonly summary: string;
  /** The command's own help text (usage and flags). */
  readonly usage: string;
  /** Run with the arguments after the command name; resolves with the exit code. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/** A usage error: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
