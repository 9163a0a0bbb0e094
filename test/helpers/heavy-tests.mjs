// A heavy suite (tens of seconds of wall time, the same result on every
// Node.js version: real load balancers in front of real processes, the
// PostgreSQL and Redis workers stopped at random moments) runs once
// per CI run: .ci/run sets FAREWELL_HEAVY_TESTS=1 for the first Node.js
// version only. Outside CI it always runs.

/** For node:test's `skip`: false when the suite should run, else the reason it does not. */
export function skipUnlessHeavyRun(suite) {
  if (process.env.FAREWELL_CI !== '1' || process.env.FAREWELL_HEAVY_TESTS === '1') return false;
  const reason = `${suite} runs once per CI run, on the first Node.js version (FAREWELL_HEAVY_TESTS=1)`;
  process.stderr.write(`skipping: ${reason}\n`);
  return reason;
}
