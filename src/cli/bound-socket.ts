// The one place that uses Node.js internals. Why (research:
// reload-and-supervisors §B): the CLI must hold each socket open for the whole
// run, so that connections queue while no generation accepts, and must never
// accept on it itself, or it would take connections away from the command.
// No public API holds a socket without accepting: `server.listen()` always
// accepts (libuv starts watching the moment it calls listen(2)).
//
// What is used: a bound handle that never listens in this process. First
// `net._createServerHandle()`, the function Node's own cluster primary uses to
// create the handles it shares with its workers (lib/internal/cluster/
// shared_handle.js); if a future Node.js removes it, `process.binding()` of
// tcp_wrap and pipe_wrap (DEP0111, documentation-only deprecation), the
// workaround the research measured. Both are tested on Node.js 20, 22 and 24
// (test/cli/reload-sockets.test.mjs runs the CLI with the first one removed).
import * as net from 'node:net';
import { getSystemErrorName } from 'node:util';
import { debugLog } from '../index.js';

/** A socket bound to its address in this process, not listening here. */
export interface BoundSocket {
  readonly fd: number;
  /** The bound port (TCP), e.g. when port 0 was asked for. */
  readonly port: number | undefined;
  /** Closes this process's descriptor; for a Unix socket bound here, libuv also removes the file. */
  close(): void;
}

/** A libuv TCP or Pipe handle, as the internals return it. */
interface NativeHandle {
  readonly fd: number;
  bind(address: string, port?: number): number;
  bind6(address: string, port: number, flags: number): number;
  getsockname?(out: Record<string, unknown>): number;
  close(): void;
}

type CreateServerHandle = (address: string | null, port: number, addressType: number, fd?: number, flags?: number) => NativeHandle | number;

/** Thrown when binding fails: `code` is the errno name (EADDRINUSE, EACCES…). */
export class BindError extends Error {
  override name = 'BindError';
  constructor(readonly code: string) {
    super(code);
  }
}

/**
 * Binds a TCP socket to `host` (an IP address; undefined: every interface,
 * IPv6 and IPv4 when possible, as `server.listen(port)` does) and `port`.
 * Throws a BindError.
 */
export function bindTcp(host: string | undefined, port: number): BoundSocket {
  const addressType = host === undefined ? 4 : net.isIP(host);
  const handle = createHandle(host ?? null, port, addressType, () => {
    const { TCP, constants } = legacyBinding('tcp_wrap') as { TCP: new (type: number) => NativeHandle; constants: { SERVER: number } };
    const tcp = new TCP(constants.SERVER);
    if (host !== undefined) return [tcp, addressType === 6 ? tcp.bind6(host, port, 0) : tcp.bind(host, port)];
    const error = tcp.bind6('::', port, 0);
    if (error === 0) return [tcp, 0];
    tcp.close();
    const ipv4 = new TCP(constants.SERVER);
    return [ipv4, ipv4.bind('0.0.0.0', port)];
  });
  // libuv defers EADDRINUSE from bind(2) to listen(2) ("delayed error"), and a
  // socket whose bind failed is unbound: listen(2) in the helper would then
  // bind it to a random port. An unbound socket has port 0.
  const out: Record<string, unknown> = {};
  handle.getsockname?.(out);
  if (typeof out.port !== 'number' || out.port === 0) {
    handle.close();
    throw new BindError('EADDRINUSE');
  }
  return wrap(handle, out.port);
}

/** Binds a Unix domain socket at `path` (the file must not exist). Throws a BindError. */
export function bindUnix(path: string): BoundSocket {
  const handle = createHandle(path, -1, -1, () => {
    const { Pipe, constants } = legacyBinding('pipe_wrap') as { Pipe: new (type: number) => NativeHandle; constants: { SERVER: number } };
    const pipe = new Pipe(constants.SERVER);
    return [pipe, pipe.bind(path)];
  });
  return wrap(handle, undefined);
}

function createHandle(address: string | null, port: number, addressType: number, fallback: () => [NativeHandle, number]): NativeHandle {
  const create = (net as unknown as { _createServerHandle?: CreateServerHandle })._createServerHandle;
  let handle: NativeHandle | number;
  if (typeof create === 'function') {
    handle = create(address, port, addressType);
  } else {
    debugLog(() => 'net._createServerHandle is missing: binding through process.binding()');
    const [created, error] = fallback();
    if (error !== 0) created.close();
    handle = error === 0 ? created : error;
  }
  if (typeof handle === 'number') throw new BindError(getSystemErrorName(handle));
  return handle;
}

function wrap(handle: NativeHandle, port: number | undefined): BoundSocket {
  let open = true;
  return {
    fd: handle.fd,
    port,
    close() {
      if (!open) return;
      open = false;
      handle.close();
    },
  };
}

function legacyBinding(name: string): unknown {
  return (process as unknown as { binding(name: string): unknown }).binding(name);
}
