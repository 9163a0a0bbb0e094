// Kubernetes end to end: a router polls readiness and stops routing to a
// terminating instance only after a lag (as endpoints do), two instances
// behind it, continuous keep-alive load; SIGTERM to one instance, SIGKILL at
// the grace period. Not a single request may fail. Two routers: 'tcp' like
// kube-proxy (a connection stays with its pod: the drain itself must move
// busy keep-alive connections away) and 'http' like an ingress.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FORMATS, runScenario } from '../helpers/run-scenario.mjs';
import { startLoad } from '../../bench/lib/load.mjs';
import { createRouter } from '../../bench/lib/router.mjs';
import { assertDiedBy, knownDifference } from '../helpers/runtime.mjs';

/** Bun: server.close() closes idle keep-alive connections itself, at once; a request racing that FIN is reset. */
const BUN_IDLE_CLOSE = {
  reason: "Bun's server.close() closes idle keep-alive connections at once, by itself, instead of leaving them to their client: a request racing that FIN sees ECONNRESET",
  failure: /ECONNRESET/,
  intermittent: true,
};

const GRACE_PERIOD_MS = 5_000; // terminationGracePeriodSeconds, scaled down
const DRAIN_DELAY_MS = 1_000; // > readiness poll (100 ms) + endpoint lag (300 ms), with room
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts an instance of the example service; resolves { port, child, exited }. */
function startInstance(format) {
  return new Promise((resolve, reject) => {
    let child;
    let port;
    const exited = runScenario('http:server', {
      format,
      args: [JSON.stringify({ delay: DRAIN_DELAY_MS })],
      limitMs: 20_000,
      onSpawn: (spawned) => (child = spawned),
      onEvent(line) {
        if (line.startsWith('port ')) port = Number(line.slice(5));
        if (line === 'ready') resolve({ port, child, exited });
      },
    });
    exited.then((result) => reject(new Error(`instance ended before it was ready: ${result.stderr}`)), reject);
  });
}

for (const format of FORMATS) {
  describe(`Kubernetes-style rolling stop [${format}]`, { concurrency: 1 }, () => {
    for (const mode of ['tcp', 'http']) {
      const differences = mode === 'tcp' ? { bun: BUN_IDLE_CLOSE } : {};
      test(`${mode} router: SIGTERM to one of two instances under keep-alive load, zero failed requests`, knownDifference(differences, async (t) => {
        const [stopping, staying] = await Promise.all([startInstance(format), startInstance(format)]);
        // The ingress closes idle upstream connections after 1 s, below the servers' keepAliveTimeout (5 s), as
        // docs/load-balancers.md recommends: the drain leaves idle keep-alive connections to their client.
        const router = await createRouter([stopping.port, staying.port], { mode, readinessPath: '/ready', pollMs: 100, lagMs: 300, idleTimeoutMs: 1000 });
        const load = startLoad(router.port, { connections: 8, maxMs: 12_000 });
        try {
          await sleep(400);
          const servedBefore = router.backends[0].served;
          stopping.child.kill('SIGTERM');
          const killer = setTimeout(() => stopping.child.kill('SIGKILL'), GRACE_PERIOD_MS);
          const result = await stopping.exited;
          clearTimeout(killer);
          await sleep(200);
          const summary = await load.stop();

          assertDiedBy(t, result, 'SIGTERM', 'ended by its own drain, not by SIGKILL at the grace period');
          assert.equal(result.stderr, '');
          assert.deepEqual(router.upstreamErrors, []);
          assert.deepEqual(summary.failures, {});
          assert.equal(summary.failedAfterSent + summary.refused, 0);
          assert.equal(summary.ok, summary.total);
          assert.ok(servedBefore > 0, 'the stopping instance served before SIGTERM');
          // Through an ingress it kept receiving new requests while the router caught up (through
          // kube-proxy, its connections stayed with it until the drain moved them away).
          if (mode === 'http') assert.ok(router.backends[0].served > servedBefore, 'and kept serving while the router caught up');
          assert.ok(router.backends[1].served > 0);
          assert.ok(summary.total > 200, `only ${summary.total} requests`);
        } finally {
          await load.stop();
          await router.close();
          staying.child.kill('SIGTERM');
          stopping.child.kill('SIGKILL');
          await staying.exited;
        }
      }));
    }
  });
}
