import type { CliIo, Command } from "./io.js";
import { UsageError } from "./io.js";
import { serveCommand } from "./serve/command.js";
import { weirVersion } from "./version.js";

/** The commands of `weir`, in the order `weir help` lists them. Later: call, gen, bench. */
export const COMMANDS: readonly Command[] = [serveCommand];

/**
 * Run the `weir` program with `argv` (without node and the script); resolves with the exit
 * code: 0 done, 1 failed, 2 bad usage.
 *
 * @example
 * process.exitCode = await runCli(["serve", "--http-port=8081"], processIo);
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "help" || first === "--help" || first === "-h") {
    return help(rest[0], io);
  }
  if (first === "--version" || first === "-v" || first === "version") {
    io.out(`weir ${weirVersion()}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) {
    io.err(`weir: unknown command "${first}"\n\n${overview()}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`weir ${command.name}: ${e.message}\n\n${command.usage}`);
      return 2;
    }
    io.err(`weir ${command.name}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

function help(topic: string | undefined, io: CliIo): number {
  if (topic === undefined) {
    io.out(overview());
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === topic);
  if (!command) {
    io.err(`weir: no help for "${topic}"\n\n${overview()}`);
    return 2;
  }
  io.out(command.usage);
  return 0;
}

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    `weir ${weirVersion()}: RPC and HTTP streaming for the back ends of large-model applications`,
    "",
    "Usage: weir <command> [flags]",
    "",
    "Commands:",
    ...lines,
    "",
    "  weir help <command>   flags of a command",
    "  weir --version        the version",
    "",
  ].join("\n");
}
