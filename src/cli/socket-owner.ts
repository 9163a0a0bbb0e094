import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * Which process accepted a TCP connection, from /proc (Linux). Several
 * generations accept on one shared socket, so an answer to `--ready-url` may
 * come from the old one; only an answer from the new generation proves it ready.
 *
 * Returns true when one of `pids` holds the server side of the connection
 * from local port `clientPort` to port `serverPort`, false when another
 * process does (or none yet), and undefined when /proc cannot tell (not Linux).
 */
export function acceptedByOneOf(pids: readonly number[], serverPort: number, clientPort: number): boolean | undefined {
  const inode = acceptedSocketInode(serverPort, clientPort);
  if (inode === undefined) return undefined;
  if (inode === null) return false;
  const link = `socket:[${inode}]`;
  return pids.some((pid) => holds(pid, link));
}

/**
 * The inode of the server side of the connection: in /proc/net/tcp{,6} its
 * local port is the server's and its remote port the client's.
 * Undefined when /proc/net/tcp cannot be read; null when there is no such entry.
 */
function acceptedSocketInode(serverPort: number, clientPort: number): string | null | undefined {
  let found: string | null | undefined;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'latin1');
    } catch {
      continue;
    }
    found ??= null;
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      if (portOf(fields[1]!) === serverPort && portOf(fields[2]!) === clientPort && fields[9] !== '0') return fields[9]!;
    }
  }
  return found;
}

function portOf(address: string): number {
  return parseInt(address.slice(address.lastIndexOf(':') + 1), 16);
}

function holds(pid: number, link: string): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === link) return true;
    } catch {
      // closed meanwhile
    }
  }
  return false;
}
