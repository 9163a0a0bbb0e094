import { isIP } from 'node:net';

/** Where the CLI listens for the command, from one `--listen` option. */
export type ListenSpec =
  | { readonly kind: 'tcp'; readonly text: string; readonly name: string | undefined; readonly host: string | undefined; readonly port: number }
  | { readonly kind: 'unix'; readonly text: string; readonly name: string | undefined; readonly path: string }
  /** The sockets systemd passed to the CLI itself (a `.socket` unit), handed on to each generation. */
  | { readonly kind: 'systemd'; readonly text: string };

/** A socket path fits in `sockaddr_un.sun_path` (108 bytes on Linux, with the terminating NUL). */
const MAX_UNIX_PATH_BYTES = 107;

/** Names travel in LISTEN_FDNAMES, separated by colons (systemd allows up to 255 characters). */
const NAME = /^([A-Za-z0-9_.-]{1,255})=(.*)$/s;

/**
 * Parses a `--listen` value, or returns why it is not one:
 * `3000` (every interface), `127.0.0.1:3000`, `localhost:3000`, `[::1]:3000`,
 * `unix:/run/app.sock`, each optionally named (`admin=127.0.0.1:9000`), or
 * `systemd`. Port 0 picks a free port.
 */
export function parseListenSpec(text: string): ListenSpec | { readonly problem: string } {
  if (text === 'systemd') return { kind: 'systemd', text };
  const named = NAME.exec(text);
  const name = named?.[1];
  const address = named === null ? text : named[2]!;
  if (address.startsWith('unix:')) {
    const path = address.slice('unix:'.length);
    if (path === '') return { problem: 'the socket path is empty' };
    if (path.includes('\0')) return { problem: 'the socket path contains a NUL byte' };
    if (Buffer.byteLength(path) > MAX_UNIX_PATH_BYTES) return { problem: `the socket path is longer than ${MAX_UNIX_PATH_BYTES} bytes` };
    return { kind: 'unix', text, name, path };
  }
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/.exec(address) ?? /^()()(\d+)$/.exec(address);
  if (match === null) return { problem: 'expected PORT, HOST:PORT, [IPv6]:PORT, unix:PATH or systemd, optionally as NAME=…' };
  const [, ipv6, host, portText] = match;
  const port = Number(portText);
  if (portText!.length > 5 || port > 65535) return { problem: 'the port must be from 0 to 65535' };
  if (ipv6 !== undefined && ipv6 !== '' && isIP(ipv6) !== 6) return { problem: `'${ipv6}' is not an IPv6 address` };
  return { kind: 'tcp', text, name, host: ipv6 || host || undefined, port };
}
