// Random client schedules against a real server that drains (issue 9, part 3),
// and the check of the drain's three invariants on what happened:
//  (a) every request handed to the application gets its complete response,
//      or, cut at the timeout, is named in the report;
//  (b) a request fails only for a reason the client could see and act on:
//      its connection was never accepted (opened after the listener closed,
//      or reset in the kernel's accept queue as it closed), it was sent
//      after a `Connection: close` response or a GOAWAY on its connection,
//      it was pipelined behind such a response (never run: safe to retry),
//      it was pipelined behind a request cut at the timeout (the connection
//      was destroyed with that one; never run: safe to retry),
//      it was the first request of a connection silent for `idleGrace`
//      (a pre-connection, closed with a FIN: never run), or it was still
//      incomplete at the timeout (then it is in the report) or sent after it;
//  (c) the drain ends by itself, within its timeout.
// Used by test/http/drain-properties.test.mjs, in this process and in real
// node children (test/fixtures/scenarios/http.cjs `scheduleServer`).
import http2 from 'node:http2';
import net from 'node:net';
import WebSocket from 'ws';
import { takeResponses } from '../../bench/lib/http1-responses.mjs';

/** Timestamps of two sides in one process agree; across processes they are compared with this much slack. */
export const SLACK_MS = { inProcess: 2, child: 15 };

// ── The schedules ────────────────────────────────────────────────────────────

/** A fast-check arbitrary of schedules. Times are ms from the start of the schedule. */
export function scheduleArbitrary(fc) {
  const time = (max) => fc.integer({ min: 0, max });
  const request = fc.record({
    method: fc.constantFrom('GET', 'POST'),
    // Mostly quick; one in eight outlives any timeout (cut, and reported).
    latency: fc.oneof({ weight: 7, arbitrary: fc.integer({ min: 0, max: 30 }) }, { weight: 1, arbitrary: fc.constant(400) }),
    bodySize: fc.integer({ min: 0, max: 48 }),
  });
  const http1Client = fc.oneof(
    fc.record({
      kind: fc.constant('keepAlive'),
      at: time(60),
      requests: fc.array(request, { minLength: 1, maxLength: 4 }),
      gap: time(40),
      // After a `Connection: close` response: stop, open a new connection, or (a broken client) go on.
      onClose: fc.constantFrom('stop', 'reconnect', 'ignore'),
    }),
    // Pipelined requests written at once, or `spacing` ms apart (each may then arrive after an
    // earlier response was committed, with or without Connection: close).
    // `nearDrain`: `at` counts from 15 ms before the drain starts, so the pipeline straddles it.
    fc.record({
      kind: fc.constant('pipelined'),
      at: time(100),
      nearDrain: fc.boolean(),
      requests: fc.array(request, { minLength: 2, maxLength: 4 }),
      spacing: fc.oneof(fc.constant(0), time(15)),
    }),
    // A proxy's pool: an idle keep-alive connection used again later; `atServerClose` (in this
    // process only) also sends on it the very instant the server starts closing it.
    fc.record({ kind: fc.constant('pool'), at: time(40), later: fc.array(fc.record({ sendAt: time(200), request }), { maxLength: 4 }), atServerClose: fc.boolean() }),
    fc.record({ kind: fc.constant('silent'), at: time(60), sendAt: fc.option(time(150), { nil: undefined }), request }),
    fc.record({ kind: fc.constant('halfHeaders'), at: time(60), restAt: fc.option(time(200), { nil: undefined }), request }),
    fc.record({ kind: fc.constant('slowUpload'), at: time(80), chunked: fc.boolean(), pieces: fc.integer({ min: 2, max: 5 }), pieceGap: fc.integer({ min: 2, max: 40 }), latency: fc.integer({ min: 0, max: 20 }) }),
    fc.record({ kind: fc.constant('websocket'), at: time(80) }),
  );
  const http2Client = fc.record({ kind: fc.constant('h2'), at: time(80), streams: fc.array(fc.record({ sendAt: time(200), request }), { minLength: 1, maxLength: 4 }) });
  const common = {
    drainAt: fc.integer({ min: 10, max: 90 }),
    delay: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30 })),
    timeout: fc.integer({ min: 50, max: 150 }),
    idleGrace: fc.integer({ min: 10, max: 40 }),
  };
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ server: fc.constant('http1'), ...common, clients: fc.array(http1Client, { minLength: 1, maxLength: 6 }) }) },
    { weight: 1, arbitrary: fc.record({ server: fc.constant('http2'), ...common, clients: fc.array(http2Client, { minLength: 1, maxLength: 3 }) }) },
  );
}

// ── The application ──────────────────────────────────────────────────────────

/** `/r/<id>/<latency>`: the request id and how long the application takes once the body is read. */
export function parseTarget(path) {
  const [, r, id, latency] = String(path).split('/');
  return r === 'r' ? { id: Number(id), latency: Number(latency) } : undefined;
}

/** The HTTP/1 request handler: reads the body, answers `done <id>` after the latency; `onExecuted(id)` first. */
export function http1Application(onExecuted) {
  return (req, res) => {
    const target = parseTarget(req.url);
    if (target === undefined) return res.end('unknown');
    onExecuted(target.id);
    req.resume();
    req.on('end', () => setTimeout(() => res.end(`done ${target.id}`), target.latency));
  };
}

/** The HTTP/2 stream handler, the same application on the core API. */
export function http2Application(onExecuted) {
  return (stream, headers) => {
    const target = parseTarget(headers[':path']);
    if (target === undefined) return stream.respond({ ':status': 404 }, { endStream: true });
    onExecuted(target.id);
    stream.resume();
    stream.on('end', () =>
      setTimeout(() => {
        if (stream.destroyed || stream.closed) return;
        stream.respond({ ':status': 200 });
        stream.end(`done ${target.id}`);
      }, target.latency),
    );
    stream.on('error', () => {});
  };
}

// ── The clients ──────────────────────────────────────────────────────────────

/**
 * Runs the clients of `schedule` against 127.0.0.1:`port`, starting now.
 * Returns { requests, connections, sockets, done }: every request made (its
 * record fills in as things happen), every connection, and a promise that
 * settles when every client has finished. `stop()` destroys what is left.
 */
export function runClients(schedule, port) {
  const start = performance.now();
  const now = () => performance.now() - start;
  const requests = [];
  const connections = [];
  const closers = [];
  let nextId = 1;
  const timers = new Set();
  const at = (ms) =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, Math.max(0, ms - now()));
      timers.add(timer);
    });
  const newRequest = (client, spec, extra = {}) => {
    const record = { id: nextId++, client, method: spec.method ?? 'GET', latency: spec.latency ?? 0, bodySize: spec.method === 'POST' ? spec.bodySize ?? 0 : 0, ...extra };
    record.path = `/r/${record.id}/${record.latency}`;
    requests.push(record);
    return record;
  };

  const run = async (client, index) => {
    const startAt = client.nearDrain ? Math.max(0, schedule.drainAt + schedule.delay - 15 + Math.min(client.at, 30)) : client.at;
    await at(startAt);
    switch (client.kind) {
      case 'keepAlive': {
        let connection = await openConnection(port, now, connections, index);
        for (const spec of client.requests) {
          if (connection.closeResponseAt !== undefined || connection.gone()) {
            if (client.onClose === 'stop') break;
            if (client.onClose === 'reconnect' || connection.gone()) connection = await openConnection(port, now, connections, index);
          }
          const record = newRequest(index, spec);
          if (connection.refused) {
            record.refusedConnection = true;
            break;
          }
          await connection.send(record).done;
          if (record.failure !== undefined && client.onClose !== 'ignore') break;
          await at(now() + client.gap);
        }
        return;
      }
      case 'pipelined': {
        const connection = await openConnection(port, now, connections, index);
        const records = client.requests.map((spec) => newRequest(index, spec));
        if (connection.refused) {
          for (const record of records) record.refusedConnection = true;
          return;
        }
        await Promise.all(await connection.sendPipelined(records, client.spacing, (ms) => at(now() + ms)));
        return;
      }
      case 'pool': {
        const connection = await openConnection(port, now, connections, index);
        const warm = newRequest(index, { method: 'GET', latency: 0 });
        if (connection.refused) {
          warm.refusedConnection = true;
          return;
        }
        await connection.send(warm).done;
        const sends = [];
        if (client.atServerClose) {
          connection.onServerClosing = () => {
            if (connection.gone() || connection.closeResponseAt !== undefined || connection.pending.length > 0) return;
            sends.push(connection.send(newRequest(index, { method: 'POST', latency: 0, bodySize: 4 }, { atServerClose: true })).done);
          };
        }
        for (const { sendAt, request } of [...client.later].sort((a, b) => a.sendAt - b.sendAt)) {
          await at(client.at + sendAt);
          // A pool does not use a connection it knows is going away.
          if (connection.gone() || connection.closeResponseAt !== undefined || connection.pending.length > 0) continue;
          sends.push(connection.send(newRequest(index, request)).done);
        }
        await Promise.all(sends);
        await Promise.race([connection.closed, at(client.at + 400)]);
        await Promise.all(sends);
        return;
      }
      case 'silent': {
        const connection = await openConnection(port, now, connections, index);
        if (connection.refused || client.sendAt === undefined) return;
        await at(client.at + client.sendAt);
        if (connection.gone()) return;
        await connection.send(newRequest(index, client.request)).done;
        return;
      }
      case 'halfHeaders': {
        const connection = await openConnection(port, now, connections, index);
        const record = newRequest(index, client.request);
        if (connection.refused) {
          record.refusedConnection = true;
          return;
        }
        const bytes = requestBytes(record);
        const cut = Math.max(1, Math.floor(bytes.indexOf('\r\n\r\n') / 2));
        const sent = connection.send(record, { firstBytes: bytes.subarray(0, cut) });
        if (client.restAt !== undefined) {
          await at(client.at + client.restAt);
          sent.rest();
        }
        await (client.restAt === undefined ? Promise.race([sent.done, connection.closed]) : sent.done);
        return;
      }
      case 'slowUpload': {
        const connection = await openConnection(port, now, connections, index);
        const record = newRequest(index, { method: 'POST', latency: client.latency, bodySize: client.pieces * 8 }, { chunked: client.chunked });
        if (connection.refused) {
          record.refusedConnection = true;
          return;
        }
        const sending = connection.sendSlowly(record, client.pieces, () => at(now() + client.pieceGap));
        await sending;
        return;
      }
      case 'websocket': {
        const record = { id: nextId++, client: index, websocket: true, startedAt: now() };
        requests.push(record);
        await new Promise((resolve) => {
          const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`);
          closers.push(() => socket.terminate());
          socket.on('open', () => {
            record.openAt = now();
            record.localPort = socket._socket?.localPort;
          });
          socket.on('error', (error) => (record.error ??= error.code ?? error.message));
          socket.on('close', (code) => {
            record.closeCode = code;
            record.closedAt = now();
            resolve();
          });
        });
        return;
      }
      case 'h2': {
        const session = await openHttp2Session(port, now, connections, index);
        closers.push(() => session.destroy());
        const records = [];
        const streams = [];
        for (const { sendAt, request } of [...client.streams].sort((a, b) => a.sendAt - b.sendAt)) {
          await at(client.at + sendAt);
          const record = newRequest(index, request, { h2: true, connection: session.record });
          records.push(record);
          if (session.record.refused) {
            record.refusedConnection = true;
            continue;
          }
          streams.push(sendHttp2(session, record, now));
        }
        await Promise.all(streams);
        if (!session.destroyed) session.close();
        return;
      }
    }
  };
  const done = Promise.all(schedule.clients.map((client, index) => run(client, index).catch((error) => requests.push({ id: nextId++, client: index, harnessError: String(error?.stack ?? error) }))));
  return {
    requests,
    connections,
    done,
    now,
    /** The server starts closing its side of the connection from `clientPort`: an armed pool sends on it now. */
    serverClosing(clientPort) {
      connections.find((connection) => connection.localPort === clientPort)?.onServerClosing?.();
    },
    stop() {
      for (const timer of timers) clearTimeout(timer);
      for (const connection of connections) connection.socket?.destroy();
      for (const close of closers) close();
    },
  };
}

function requestBytes(record) {
  const body = 'x'.repeat(record.bodySize);
  const length = record.method === 'POST' ? `Content-Length: ${body.length}\r\n` : '';
  return Buffer.from(`${record.method} ${record.path} HTTP/1.1\r\nHost: schedule\r\n${length}\r\n${body}`);
}

/** A raw HTTP/1.1 connection with its send methods; resolves once connected (or refused). */
async function openConnection(port, now, connections, client) {
  return withMethods(await openRawConnection(port, now, connections, client), now);
}

function openRawConnection(port, now, connections, client) {
  const connection = {
    client,
    socket: net.connect(port, '127.0.0.1'),
    openedAt: now(),
    connectedAt: undefined,
    localPort: undefined,
    refused: false,
    endAt: undefined,
    closedAt: undefined,
    closeResponseAt: undefined,
    firstByteAt: undefined,
    requestsSent: 0,
    pending: [],
    errors: [],
    received: Buffer.alloc(0),
    gone: () => connection.endAt !== undefined || connection.closedAt !== undefined || connection.socket.destroyed,
  };
  connections.push(connection);
  const { socket } = connection;
  connection.closed = new Promise((resolve) => socket.once('close', resolve));
  socket.on('error', (error) => connection.errors.push(error.code ?? error.message));
  socket.on('end', () => (connection.endAt ??= now()));
  socket.on('data', (chunk) => {
    const { responses, rest } = takeResponses(Buffer.concat([connection.received, chunk]));
    connection.received = rest;
    for (const response of responses) {
      const record = connection.pending.shift();
      if (record === undefined) continue;
      record.response = response;
      record.completedAt = now();
      if (/\bclose\b/i.test(response.connection ?? '')) connection.closeResponseAt ??= now();
      record.resolve();
    }
  });
  socket.on('close', () => {
    connection.closedAt = now();
    for (const record of connection.pending.splice(0)) {
      record.failure = connection.errors[0] ?? 'closed without a response';
      record.failedAt = now();
      record.resolve();
    }
  });
  return new Promise((resolve) => {
    socket.once('connect', () => {
      connection.connectedAt = now();
      connection.localPort = socket.localPort;
      resolve(connection);
    });
    socket.once('error', (error) => {
      if (connection.connectedAt === undefined) {
        connection.refused = true;
        connection.refusedCode = error.code;
        resolve(connection);
      }
    });
  });
}

/** Registers `record` as sent on `connection`, noting what the client knew then. */
function prepareSend(connection, record, now) {
  record.connection = connection;
  record.indexOnConnection = connection.requestsSent++;
  record.closeResponseBefore = connection.closeResponseAt !== undefined;
  record.earlierOnConnection = connection.pending.slice();
  let resolve;
  const done = new Promise((r) => (resolve = r));
  record.resolve = resolve;
  connection.pending.push(record);
  record.sentAt = now();
  connection.firstByteAt ??= record.sentAt;
  return done;
}

const sendMethods = {
  send(connection, now, record, { firstBytes } = {}) {
    if (connection.gone()) {
      record.notSent = true;
      return { done: Promise.resolve(), rest() {} };
    }
    const done = prepareSend(connection, record, now);
    const bytes = requestBytes(record);
    if (firstBytes === undefined) {
      connection.socket.write(bytes);
      record.fullySentAt = record.sentAt;
      return { done, rest() {} };
    }
    record.partial = true;
    connection.socket.write(firstBytes);
    return {
      done,
      rest() {
        if (connection.socket.destroyed || connection.socket.writableEnded) return;
        connection.socket.write(bytes.subarray(firstBytes.length));
        record.fullySentAt = now();
      },
    };
  },
};

/** The ways a client sends on a connection: whole, pipelined, slowly. */
function withMethods(connection, now) {
  connection.send = (record, options) => sendMethods.send(connection, now, record, options);
  connection.sendPipelined = async (records, spacing, pause) => {
    const dones = [];
    if (spacing === 0 && !connection.gone()) {
      for (const record of records) dones.push(prepareSend(connection, record, now));
      connection.socket.write(Buffer.concat(records.map(requestBytes)));
    } else {
      for (const [index, record] of records.entries()) {
        if (index > 0) await pause(spacing);
        // A pipelining client writes on until it has read a close, or the connection has gone.
        if (connection.gone() || connection.closeResponseAt !== undefined) {
          record.notSent = true;
          continue;
        }
        dones.push(prepareSend(connection, record, now));
        connection.socket.write(requestBytes(record));
      }
    }
    for (const record of records) {
      record.pipelined = true;
      record.fullySentAt = record.sentAt;
    }
    return dones;
  };
  connection.sendSlowly = async (record, pieces, pause) => {
    if (connection.gone()) {
      record.notSent = true;
      return;
    }
    const done = prepareSend(connection, record, now);
    record.partial = true;
    const body = 'y'.repeat(record.bodySize);
    const size = Math.ceil(body.length / pieces);
    const parts = Array.from({ length: pieces }, (_, i) => body.slice(i * size, (i + 1) * size)).filter((part) => part !== '');
    const head = record.chunked
      ? `POST ${record.path} HTTP/1.1\r\nHost: schedule\r\nTransfer-Encoding: chunked\r\n\r\n`
      : `POST ${record.path} HTTP/1.1\r\nHost: schedule\r\nContent-Length: ${body.length}\r\n\r\n`;
    connection.socket.write(head);
    for (const part of parts) {
      await pause();
      if (connection.socket.destroyed || connection.socket.writableEnded || record.failure !== undefined) return done;
      connection.socket.write(record.chunked ? `${part.length.toString(16)}\r\n${part}\r\n` : part);
    }
    if (record.chunked && !connection.socket.destroyed) connection.socket.write('0\r\n\r\n');
    record.fullySentAt = now();
    return done;
  };
  return connection;
}

async function openHttp2Session(port, now, connections, client) {
  const record = { client, h2: true, openedAt: now(), goawayAt: undefined, lastStreamID: undefined, refused: false };
  connections.push(record);
  const session = http2.connect(`http://127.0.0.1:${port}`);
  record.session = session;
  session.on('error', (error) => (record.error ??= error.code ?? error.message));
  session.on('goaway', (code, lastStreamID) => {
    record.goawayAt ??= now();
    record.lastStreamID = lastStreamID;
  });
  session.on('close', () => (record.closedAt = now()));
  await new Promise((resolve) => {
    session.once('connect', () => {
      record.connectedAt = now();
      record.localPort = session.socket?.localPort;
      resolve();
    });
    session.once('error', () => {
      if (record.connectedAt === undefined) record.refused = true;
      resolve();
    });
    session.once('close', resolve);
  });
  session.record = record;
  return session;
}

function sendHttp2(session, record, now) {
  record.sentAt = now();
  record.goawayBefore = session.record.goawayAt !== undefined;
  if (session.closed || session.destroyed) {
    record.notSent = true;
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    let stream;
    try {
      stream = session.request({ ':method': record.method, ':path': record.path });
    } catch (error) {
      record.failure = error.code ?? error.message;
      record.failedAt = now();
      record.notSent = true;
      return resolve();
    }
    record.stream = stream;
    let status;
    let body = '';
    stream.setEncoding('utf8');
    stream.on('response', (headers) => (status = headers[':status']));
    stream.on('data', (chunk) => (body += chunk));
    stream.on('end', () => {
      if (status !== undefined) {
        record.response = { status, body };
        record.completedAt = now();
      }
    });
    stream.on('error', (error) => (record.failure ??= error.code ?? error.message));
    stream.on('close', () => {
      record.streamId = stream.id;
      record.rstCode = stream.rstCode;
      if (record.response === undefined) {
        record.failure ??= `stream closed (rst ${stream.rstCode})`;
        record.failedAt = now();
      }
      resolve();
    });
    stream.end(record.method === 'POST' ? 'z'.repeat(record.bodySize) : undefined);
  });
}

// ── The check ────────────────────────────────────────────────────────────────

/**
 * Checks the invariants on one run. `observed`: { requests, connections,
 * executed (Set of ids), accepted (Set of client ports the server accepted),
 * report (the DrainReport, or { outcome, requestsCut: [{ route }],
 * connectionsDestroyed } parsed from stderr), drainStartAt (when the
 * listener closed: after the delay), drainEndAt, timeout, idleGrace, slack,
 * hung, stats (optional: counts of what happened to each request, by reason) }.
 * Returns the violations, as sentences.
 */
export function checkInvariants(observed) {
  const { requests, executed, accepted, report, drainStartAt, drainEndAt, timeout, idleGrace, slack } = observed;
  const violations = [];
  const cut = new Set(report.requestsCut.map((entry) => parseTarget(entry.route)?.id));
  const timeoutAt = drainStartAt + timeout;
  // (c) the drain ends by itself, within its timeout.
  if (observed.hung) violations.push(`(c) the drain did not end: ${observed.hung}`);
  else if (drainEndAt - drainStartAt > timeout + 250 + slack) violations.push(`(c) the drain ended ${(drainEndAt - drainStartAt).toFixed(1)} ms after it started, timeout ${timeout} ms`);
  for (const record of requests) {
    if (record.harnessError !== undefined) {
      violations.push(`harness error in client ${record.client}: ${record.harnessError}`);
      continue;
    }
    if (record.websocket) {
      checkWebSocket(record, { accepted, report, timeoutAt, slack, violations });
      continue;
    }
    const wasExecuted = executed.has(record.id);
    const answered = record.response !== undefined && record.response.body === `done ${record.id}`;
    if (record.response !== undefined && !answered) violations.push(`request ${record.id} got someone else's answer: ${JSON.stringify(record.response)}`);
    if (observed.stats !== undefined) {
      const key = answered ? `answered${record.h2 ? ' (h2)' : record.response?.connection === 'close' ? ' with Connection: close' : ''}` : wasExecuted ? 'ran, cut at the timeout' : undefined;
      if (key !== undefined) observed.stats[key] = (observed.stats[key] ?? 0) + 1;
    }
    if (answered) continue;
    // (a) executed and not answered: only when cut at the timeout, and then named in the report.
    if (wasExecuted) {
      if (!cut.has(record.id)) violations.push(`(a) request ${record.id} (${describe(record)}) ran and got no answer, and the report does not name it (cut: ${[...cut].join(', ') || 'none'})`);
      continue;
    }
    if (cut.has(record.id)) violations.push(`request ${record.id} is named as cut but never ran`);
    if (record.notSent) continue; // the client knew the connection was gone and did not send
    const reason = allowedFailure(record, { accepted, drainStartAt, drainEndAt, timeoutAt, idleGrace, slack, report, cut });
    if (reason !== undefined && observed.stats !== undefined) observed.stats[reason] = (observed.stats[reason] ?? 0) + 1;
    if (reason === undefined) violations.push(`(b) request ${record.id} (${describe(record)}) failed (${record.failure ?? 'no answer'}) with no reason a client could act on`);
  }
  return violations;
}

/** Why a request that never ran may fail, or undefined. */
function allowedFailure(record, { accepted, drainStartAt, drainEndAt, timeoutAt, idleGrace, slack, report, cut }) {
  const connection = record.connection;
  if (record.refusedConnection || connection?.refused) return 'connection refused: opened after the listener closed';
  if (connection !== undefined && connection.localPort !== undefined && !accepted.has(connection.localPort)) {
    return 'never accepted: reset in the accept queue when the listener closed';
  }
  if (record.h2) {
    if (record.goawayBefore) return 'sent after a GOAWAY';
    if (connection?.lastStreamID !== undefined && record.streamId !== undefined && record.streamId > connection.lastStreamID) return 'beyond the last stream of the GOAWAY: never processed';
    if (record.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM) return 'refused stream: never processed';
  } else {
    if (record.closeResponseBefore) return 'sent after a Connection: close response';
    if (record.earlierOnConnection?.some((earlier) => /\bclose\b/i.test(earlier.response?.connection ?? ''))) return 'pipelined behind a Connection: close response: never run';
    // Found by seed 1134628897 on a loaded machine: a GET outliving the timeout, two POSTs pipelined behind it.
    if (record.earlierOnConnection?.some((earlier) => cut.has(earlier.id))) return 'pipelined behind a request cut at the timeout: never run';
    if (record.indexOnConnection === 0 && connection !== undefined && record.sentAt >= Math.max(drainStartAt, connection.connectedAt + idleGrace) - slack) {
      return 'first request of a connection silent for idleGrace: a pre-connection, closed with a FIN';
    }
  }
  const sentDone = record.fullySentAt ?? (record.partial ? undefined : record.sentAt);
  if (record.sentAt >= Math.min(timeoutAt, drainEndAt) - slack) return 'sent when the drain was over';
  if (sentDone === undefined || sentDone >= timeoutAt - slack) {
    // Still arriving at the timeout: its connection was destroyed and counted.
    if (report.connectionsDestroyed > 0 || report.outcome !== 'drained') return 'incomplete at the timeout';
  }
  return undefined;
}

function checkWebSocket(record, { accepted, report, timeoutAt, slack, violations }) {
  if (record.openAt === undefined) return; // refused, or reset in the accept queue: never reached the server
  if (record.closeCode === 1001) return;
  if (record.closedAt !== undefined && record.closedAt >= timeoutAt - slack && report.outcome !== 'drained') return;
  if (record.localPort !== undefined && !accepted.has(record.localPort)) return;
  violations.push(`WebSocket ${record.id} closed with ${record.closeCode} (${record.error ?? 'no error'}) instead of 1001 "going away"`);
}

function describe(record) {
  const parts = [record.h2 ? 'h2' : 'http/1.1', record.method, `client ${record.client}`];
  if (record.indexOnConnection !== undefined) parts.push(`#${record.indexOnConnection} on its connection`);
  if (record.pipelined) parts.push('pipelined');
  if (record.partial) parts.push('sent in pieces');
  parts.push(`sent at ${record.sentAt?.toFixed(1)} ms`);
  return parts.join(', ');
}
