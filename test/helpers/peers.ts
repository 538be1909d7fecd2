/**
 * The rule for suites that run against real peers (Debian packages, npm dev dependencies): on a
 * developer's machine a suite whose peers are missing is skipped, saying what is missing; in CI
 * (`CI=true`) it fails, so that a suite can never pass without having run.
 */

/** Whether this run is CI's (`CI=true` or `CI=1`, as CI services set it; `.ci/run` sets it too). */
export function inCi(): boolean {
  const v = process.env.CI?.toLowerCase();
  return v === "true" || v === "1";
}

/**
 * The `skip` option of `describe()` for a suite whose peers are `missing` (a sentence, or
 * undefined when every peer is there): false when they are all there, the sentence otherwise,
 * and in CI an error instead, which fails the file.
 */
export function skipWithoutPeers(suite: string, missing: string | undefined): string | false {
  if (missing === undefined) return false;
  if (inCi()) throw new Error(`${suite} cannot run: ${missing}. In CI every interop suite runs; scripts/ensure-peers.sh installs the Debian peers, npm ci the npm ones.`);
  return `${missing} (skipped outside CI; with CI=true this fails)`;
}
