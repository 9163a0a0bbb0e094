// Tests that need a program from the system's packages (haproxy, nginx,
// redis-server, PostgreSQL) skip when it is missing on a developer's machine,
// saying why. In CI (.ci/run sets FAREWELL_CI=1 and installs them) a missing
// program is a failure: those tests must run there.
import { findProgram } from '../../bench/lib/find-program.mjs';


/**
 * For node:test's `skip` option: false when every program is found, else the
 * reason ("needs haproxy (Debian package haproxy)"). Throws under FAREWELL_CI=1.
 * `programs` maps an executable to its Debian package: { haproxy: 'haproxy' }.
 */
export function skipUnlessInstalled(programs) {
  const missing = Object.entries(programs).filter(([name]) => findProgram(name) === undefined);
  if (missing.length === 0) return false;
  const reason = `needs ${missing.map(([name, pkg]) => `${name} (Debian package ${pkg})`).join(', ')}; apt-get install -y ${[...new Set(missing.map(([, pkg]) => pkg))].join(' ')}`;
  if (process.env.FAREWELL_CI === '1') throw new Error(`in CI every system program must be installed: ${reason}`);
  process.stderr.write(`skipping: ${reason}\n`);
  return reason;
}

export { findProgram };
