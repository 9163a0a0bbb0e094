import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server, Socket } from 'node:net';
import { isClosing, isRetractableClose } from './close-politely.js';
import type { Http1Connection } from './connection-tracker.js';

/** The events through which Node.js hands an HTTP/1 request to the application. */
const REQUEST_EVENTS = new Set<string | symbol>(['request', 'checkContinue', 'checkExpectation']);

/**
 * While the drain runs, withholds from the application every request that
 * arrives on a connection already committed to close: behind a response
 * whose `Connection: close` has gone out (or that the application itself
 * made final), or on a socket that is ending. Node.js reads and emits such a
 * pipelined request, then drops the socket after the closing response with
 * the later response still queued: the request would run and never be
 * answered (issue 9, defect 8). RFC 9112 §9.6: a server that sends `close`
 * "MUST NOT process any further requests received on that connection"; the
 * client sees the connection close without an answer and may retry the
 * request safely, since nothing ran (§9.3.2).
 *
 * Node.js emits these events through `server.emit`, so an own `emit` on the
 * instance sees them before any listener does; it is removed when the drain
 * ends. `onWithheld` is told about each request withheld. Returns what puts
 * the original `emit` back.
 */
export function withholdRequestsAfterClose(
  server: Server,
  connectionOf: (socket: Socket) => Http1Connection | undefined,
  onWithheld: (request: IncomingMessage) => void,
): () => void {
  const own = Object.getOwnPropertyDescriptor(server, 'emit');
  const emit = server.emit as (this: Server, event: string | symbol, ...args: unknown[]) => boolean;
  Object.defineProperty(server, 'emit', {
    configurable: true,
    writable: true,
    value: function emitUnlessClosing(this: Server, event: string | symbol, ...args: unknown[]): boolean {
      if (REQUEST_EVENTS.has(event)) {
        const request = args[0] as IncomingMessage;
        // HTTP/2 requests of the compatibility API have their own shutdown (GOAWAY).
        if (request.httpVersionMajor !== 2 && connectionCommittedToClose(request.socket, connectionOf(request.socket))) {
          onWithheld(request);
          return true;
        }
      }
      return emit.call(this, event, ...args);
    },
  });
  return () => {
    if (own === undefined) delete (server as { emit?: unknown }).emit;
    else Object.defineProperty(server, 'emit', own);
  };
}

/** True when no response to a new request on this connection could ever be sent. */
function connectionCommittedToClose(socket: Socket, connection: Http1Connection | undefined): boolean {
  if (isClosing(socket)) return true;
  return connection !== undefined && connection.responses.some(isFinalResponse);
}

/**
 * A response after which Node.js ends the socket, and that no newer request
 * can take the close over from: its head went out with `Connection: close`,
 * or the application (or an HTTP/1.0 request) made it final. The close the
 * drain itself set on a response whose head is not sent moves to the newer
 * request instead (`closeAfterNewestResponse()`).
 */
function isFinalResponse(response: ServerResponse): boolean {
  const { _last: last, shouldKeepAlive } = response as ServerResponse & { _last?: unknown; shouldKeepAlive?: unknown };
  // `_last` is Node.js's own flag, set when the head is written, that makes it end the socket after
  // this response (lib/_http_server.js resOnFinish). Not public: the header decides if it ever goes.
  if (response.headersSent) return typeof last === 'boolean' ? last : saysClose(response);
  if (isRetractableClose(response)) return false;
  return shouldKeepAlive === false || saysClose(response);
}

function saysClose(response: ServerResponse): boolean {
  return /\bclose\b/i.test(String(response.getHeader('connection') ?? ''));
}
