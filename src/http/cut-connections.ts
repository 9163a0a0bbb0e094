import { closeIdleSocket, isClosing } from './close-politely.js';
import { isQuiet } from './close-idle-connections.js';
import type { TrackedConnection } from './connection-tracker.js';
import { routeOfRequest, routeOfStream } from './drain-report.js';
import type { CutRequest } from './drain-report.js';

/**
 * At the drain's timeout: idle keep-alive connections whose clients never
 * came back are closed with a FIN: nothing was in progress on them, and
 * waiting longer is not possible (closing one may still race a request sent
 * that very instant, which no server can prevent). Returns how many were
 * closed, and whether any other connection is left.
 */
export function closeQuietConnections(connections: ReadonlyMap<object, TrackedConnection>): { closed: number; othersLeft: boolean } {
  let closed = 0;
  let othersLeft = false;
  for (const connection of connections.values()) {
    if (connection.kind === 'http1' && isQuiet(connections, connection)) {
      closeIdleSocket(connection.socket);
      closed++;
    } else {
      othersLeft = true;
    }
  }
  return { closed, othersLeft };
}

/**
 * The timeout (or a forced exit): destroys every connection left, naming
 * every request cut. An idle connection already closing with a FIN is not
 * counted as destroyed.
 */
export function destroyConnections(connections: ReadonlyMap<object, TrackedConnection>): {
  requestsCut: CutRequest[];
  connectionsDestroyed: number;
} {
  const requestsCut: CutRequest[] = [];
  let connectionsDestroyed = 0;
  for (const connection of [...connections.values()]) {
    switch (connection.kind) {
      case 'http1': {
        for (const response of connection.responses) requestsCut.push(routeOfRequest(response.req, 'http/1.1'));
        // Closed with a FIN already (at the timeout, or after a `Connection: close` response): not a cut.
        const closingPolitely = connection.responses.length === 0 && isClosing(connection.socket) && isQuiet(connections, connection);
        connection.socket.destroy();
        if (!closingPolitely) connectionsDestroyed++;
        break;
      }
      case 'upgraded':
        requestsCut.push(routeOfRequest(connection.request, 'upgraded'));
        connection.socket.destroy();
        connectionsDestroyed++;
        break;
      case 'http2':
        for (const headers of connection.streams.values()) requestsCut.push(routeOfStream(headers));
        connection.session.destroy();
        connectionsDestroyed++;
        break;
    }
  }
  return { requestsCut, connectionsDestroyed };
}
