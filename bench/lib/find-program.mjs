// Where a system program is installed: PATH, plus the directories Debian
// puts servers in (haproxy and nginx in /usr/sbin, PostgreSQL off PATH).
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const SERVER_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin'];

/** The absolute path of an executable named `name`, or undefined. */
export function findProgram(name) {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), ...SERVER_DIRS]) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}
