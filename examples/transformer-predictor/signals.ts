/** On SIGTERM or SIGINT: run `close` once, then exit (0 when it closed cleanly, 1 when it failed). */
export function closeOnSignals(name: string, close: () => Promise<void>): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    console.error(`${name}: ${signal}, closing`);
    close().then(() => process.exit(0), (e: unknown) => {
      console.error(`${name}: close failed: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    });
  };
  process.on("SIGTERM", onSignal).on("SIGINT", onSignal);
}
