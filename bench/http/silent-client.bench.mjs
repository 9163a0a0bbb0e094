// A client that connects and never sends a byte (a browser's speculative
// pre-connection): SIGTERM → process gone, against the same server without it.
// Target for farewell: exit time unaffected.
import net from 'node:net';
import { fixed, median, sampleRoundRobin } from '../lib/stats.mjs';
import { printSection } from '../lib/table.mjs';
import { PEERS, startServer } from './lib.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const STUCK_MS = 3_000; // a process still alive this long after SIGTERM is reported as stuck and killed
const CASES = {
  'no silent client': undefined,
  'silent client, connected 300 ms before': 300,
  'silent client, connected 5 ms before': 5,
};

async function round(variant, connectedBeforeMs) {
  const { child, port, ended } = await startServer(variant, {}, { limitMs: 60_000 });
  let silent;
  if (connectedBeforeMs !== undefined) {
    silent = net.connect(port, '127.0.0.1');
    silent.on('error', () => {});
    await new Promise((resolve) => silent.once('connect', resolve));
    await new Promise((resolve) => setTimeout(resolve, connectedBeforeMs));
  } else {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const sent = performance.now();
  child.kill('SIGTERM');
  const guard = setTimeout(() => child.kill('SIGKILL'), STUCK_MS);
  const end = await ended;
  clearTimeout(guard);
  silent?.destroy();
  return end.signal === 'SIGKILL' ? Infinity : end.at - sent;
}

export async function run() {
  const variants = PEERS.flatMap((peer) => Object.keys(CASES).map((name) => `${peer}|${name}`));
  const samples = await sampleRoundRobin(variants, ROUNDS, (variant) => {
    const [peer, name] = variant.split('|');
    return round(peer, CASES[name]);
  });
  const show = (ms) => (Number.isFinite(ms) ? fixed(ms, 1) : `stuck (killed at ${STUCK_MS / 1000} s)`);
  const rows = PEERS.map((peer) => [peer, ...Object.keys(CASES).map((name) => show(median(samples[`${peer}|${name}`])))]);
  printSection('A client that never sends a byte: SIGTERM → process gone, median ms', ['library', ...Object.keys(CASES)], rows, [
    `${ROUNDS} rounds per cell, interleaved. farewell closes a connection that never sent a complete request once it has been idle for its 100 ms idle grace (counted from the accept), so a client connected just before SIGTERM delays the exit by the rest of that grace. Node 20's server.close() never closes such a socket (node-platform-facts §7).`,
  ]);
}
