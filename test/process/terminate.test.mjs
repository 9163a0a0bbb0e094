// terminate() and stopOnExit() on real trees of sh and sleep; /proc is checked afterwards.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FORMATS, runScenario, signalOn } from '../helpers/run-scenario.mjs';
import { processesFromEvents, running, waitUntilGone } from '../helpers/proc.mjs';
import { assertDiedBy } from '../helpers/runtime.mjs';

const linux = process.platform === 'linux';
const resultOf = (events, prefix = 'result ') => JSON.parse(events.find((event) => event.startsWith(prefix)).slice(prefix.length));
/** The last fields of a Termination that found the whole tree. */
const complete = { complete: true, incompleteReason: null, unattributedPids: [] };

for (const format of FORMATS) {
  describe(`terminate() [${format}]`, { concurrency: 4, skip: !linux && 'trees are found through /proc (Linux)' }, () => {
    for (const detached of ['attached', 'detached']) {
      test(`a tree of sh and sleep (${detached}) is stopped in full by SIGTERM, nothing killed`, async () => {
        // A session of its own: no process another test leaves re-parented can be taken for part of the tree.
        const result = await runScenario('process:terminateTree', { format, args: ['heed', detached, '5000'], detached: true });
        assert.equal(result.code, 0, result.stderr);
        const { records } = processesFromEvents(result.events);
        assert.equal(records.length, 4);
        assert.deepEqual(resultOf(result.events), { code: null, signal: 'SIGTERM', killed: false, killedPids: [], survivingPids: [], ...complete });
        assert.deepEqual(running(records), []);
        assert.deepEqual(await waitUntilGone(records), []);
      });

      test(`a grandchild ignoring SIGTERM (${detached}) is killed after the timeout, and only it`, async () => {
        const result = await runScenario('process:terminateTree', { format, args: ['ignore', detached, '300'], detached: true });
        assert.equal(result.code, 0, result.stderr);
        const { pids, records } = processesFromEvents(result.events);
        const expectedKilled = [pids['inner-sh'], pids['inner-sleep']].sort((a, b) => a - b);
        assert.deepEqual(resultOf(result.events), { code: null, signal: 'SIGTERM', killed: true, killedPids: expectedKilled, survivingPids: [], ...complete });
        assert.ok(result.events.includes('waited at least the timeout: true'));
        assert.deepEqual(running(records), []);
        assert.deepEqual(await waitUntilGone(records), []);
      });
    }

    test('tree: false stops the child alone', async () => {
      const result = await runScenario('process:terminateOnlyChild', { format });
      // Complete: the child alone was asked for.
      assert.deepEqual(resultOf(result.events), { code: null, signal: 'SIGTERM', killed: false, killedPids: [], survivingPids: [], ...complete });
      assert.deepEqual(result.events.slice(-3), ['sleep still running', 'inner-sh still running', 'inner-sleep still running']);
      const { records } = processesFromEvents(result.events);
      assert.deepEqual(running(records), []);
      assert.deepEqual(await waitUntilGone(records), []);
    });

    test('a child that already exited or never started resolves at once with its status', async () => {
      const result = await runScenario('process:terminateExited', { format });
      // What an exited child left behind can no longer be identified: not complete. One that never started left nothing.
      assert.deepEqual(resultOf(result.events), {
        code: 3,
        signal: null,
        killed: false,
        killedPids: [],
        survivingPids: [],
        complete: false,
        incompleteReason: 'child-already-exited',
        unattributedPids: [],
      });
      assert.deepEqual(resultOf(result.events, 'never started '), { code: null, signal: null, killed: false, killedPids: [], survivingPids: [], ...complete });
    });
  });

  // Reliability issue, defect 10: processes that lost their parent. Each scenario runs in a session of
  // its own, so that the processes other tests leave re-parented cannot be taken for its own.
  describe(`terminate(): double forks and re-parented processes [${format}]`, { concurrency: 4, skip: !linux && 'trees are found through /proc (Linux)' }, () => {
    const run = (layout, detached, timeout = '300') => runScenario('process:terminateDoubleFork', { format, args: [layout, detached, timeout], detached: true });

    test('detached: a double-forked grandchild, re-parented to init, is stopped with the group', async () => {
      const result = await run('same-group', 'detached');
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(resultOf(result.events), { code: null, signal: 'SIGTERM', killed: false, killedPids: [], survivingPids: [], ...complete });
      assert.deepEqual(result.events.filter((event) => event.endsWith('still running')), []);
    });

    test('detached: a double-forked grandchild in a group of its own, in the same session, is stopped too', async () => {
      const result = await run('own-group', 'detached');
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(resultOf(result.events), { code: null, signal: 'SIGTERM', killed: false, killedPids: [], survivingPids: [], ...complete });
      assert.deepEqual(result.events.filter((event) => event.endsWith('still running')), []);
    });

    for (const layout of ['same-group', 'own-group']) {
      test(`not detached (${layout}): the re-parented grandchild is left alone and named, and the result is not complete`, async () => {
        const result = await run(layout, 'attached');
        assert.equal(result.code, 0, result.stderr);
        assert.deepEqual(resultOf(result.events), {
          code: null,
          signal: 'SIGTERM',
          killed: false,
          killedPids: [],
          survivingPids: [],
          complete: false,
          incompleteReason: 'unattributed-processes',
          unattributedPids: ['orphan'],
        });
        assert.deepEqual(result.events.filter((event) => event.endsWith('still running')), ['orphan still running']);
      });
    }

    test('a process forked into a session a descendant led, after that leader exited, is found and killed after the timeout', async () => {
      const result = await run('daemon-on-term', 'attached');
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(resultOf(result.events), { code: null, signal: 'SIGTERM', killed: true, killedPids: ['late'], survivingPids: [], ...complete });
      assert.deepEqual(result.events.filter((event) => event.endsWith('still running')), []);
    });
  });

  describe(`stopOnExit() [${format}]`, { concurrency: 4, skip: !linux && 'trees are found through /proc (Linux)' }, () => {
    test('on SIGTERM the exit hook stops every registered tree concurrently, then the process dies by SIGTERM', async (t) => {
      const result = await runScenario('process:stopTreesOnExit', { format, args: ['3', '500'], onEvent: signalOn('SIGTERM'), detached: true });
      assertDiedBy(t, result, 'SIGTERM', result.stderr);
      const { records } = processesFromEvents(result.events);
      assert.equal(records.length, 12);
      // Three trees each needing the full 500 ms: concurrently about 0.5 s, one after another 1.5 s.
      const lines = result.stderr.trim().split('\n');
      assert.equal(lines.length, 3, result.stderr);
      for (const line of lines) {
        assert.match(line, /^farewell: child process \d+ \(sh\) did not stop within 500 ms: killed it with SIGKILL \(pids \d+, \d+\)$/);
      }
      assert.deepEqual(running(records), []);
      assert.deepEqual(await waitUntilGone(records), []);
    });

    test('a tree that had to be killed is a cleanup failure: exit(0) ends with status 1', async () => {
      const result = await runScenario('process:stopTreesOnExit', { format, args: ['1', '300', 'exit(0)'], detached: true });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /^farewell: child process \d+ \(sh\) did not stop within 300 ms: killed it with SIGKILL \(pids \d+, \d+\)\n$/);
      const { records } = processesFromEvents(result.events);
      assert.deepEqual(await waitUntilGone(records), []);
    });

    test('all trees are stopped concurrently: three 1 s timeouts take well under the 3 s one after another would', async (t) => {
      let signalledAt = 0;
      const result = await runScenario('process:stopTreesOnExit', {
        format,
        args: ['3', '1000'],
        onEvent: (event, child) => {
          if (event !== 'ready') return;
          signalledAt = performance.now();
          child.kill('SIGTERM');
        },
      });
      const took = performance.now() - signalledAt;
      assertDiedBy(t, result, 'SIGTERM');
      assert.ok(took >= 950 && took < 2500, `took ${took} ms`);
    });

    test('processes a child (not detached) left re-parented are reported as possibly left running: exit(0) ends with status 1', async () => {
      const result = await runScenario('process:stopDoubleForkOnExit', { format, detached: true });
      assert.equal(result.code, 1, result.stderr);
      const { pids } = processesFromEvents(result.events);
      assert.equal(
        result.stderr,
        `farewell: child process ${pids.root} (bash): left running pid ${pids.orphan}, which started after it in this process's session ` +
          'and lost their parent: they may come from its tree (spawn it with detached: true to have them stopped)\n',
      );
      assert.deepEqual(result.events.filter((event) => event.endsWith('still running')), ['orphan still running']);
    });;

    test('a child that exits by itself is forgotten: the exit hook goes, and with it the signal listeners', async () => {
      const result = await runScenario('process:stopOnExitForgetsExited', { format });
      assert.deepEqual(result.events, ['SIGTERM listeners while registered 1', 'SIGTERM listeners after it exited 0']);
    });
  });
}

describe('argument validation', () => {
  test('terminate, stopOnExit, stopWorker and exitWithParent name the bad argument', async () => {
    const library = await import('farewell/process');
    const { spawn } = await import('node:child_process');
    assert.throws(() => library.terminate(42), { name: 'TypeError', message: 'child must be a ChildProcess (from spawn, fork, exec…), got 42' });
    const child = spawn('sleep', ['10']);
    try {
      assert.throws(() => library.terminate(child, { timeout: -1 }), { name: 'RangeError', message: /^options\.timeout must be more than 0 and at most 2147483647 milliseconds, got -1$/ });
      assert.throws(() => library.terminate(child, { stopSignal: 'SIGNOPE' }), { name: 'RangeError', message: "options.stopSignal is 'SIGNOPE', which is not a signal on linux" });
      assert.throws(() => library.terminate(child, { tree: 'yes' }), { name: 'TypeError', message: "options.tree must be a boolean, got 'yes'" });
      assert.throws(() => library.terminate(child, { timout: 5 }), { name: 'TypeError', message: 'options.timout is not an option; the options are: stopSignal, timeout, tree, signal' });
      assert.throws(() => library.stopOnExit({}), { name: 'TypeError', message: 'target must be a ChildProcess, a worker_threads Worker or a cluster Worker, got {}' });
      assert.throws(() => library.stopWorker(child), { name: 'TypeError', message: /^worker must be a Worker from node:worker_threads, got / });
      assert.throws(() => library.exitWithParent({ status: 300 }), { name: 'RangeError', message: 'options.status must be an integer from 0 to 255, got 300' });
      assert.throws(() => library.findDescendants(0), { name: 'RangeError', message: 'pid must be a process id (a positive integer), got 0' });
      assert.throws(() => library.stopClusterWorker(child), { name: 'TypeError', message: /^worker must be a cluster Worker/ });
      // One helper each for the options every stop shares (issue 8, small copies).
      assert.throws(() => library.terminate(child, { signal: 'abort' }), { name: 'TypeError', message: "options.signal must be an AbortSignal, got 'abort'" });
      assert.throws(() => library.stopOnExit(child, { tree: 1 }), { name: 'TypeError', message: 'options.tree must be a boolean, got 1' });
      assert.throws(() => library.stopOnExit(child, { stopSignal: 15 }), { name: 'TypeError', message: "options.stopSignal must be a signal name such as 'SIGTERM', got 15" });
      assert.throws(() => library.stopOnExit(child, { timeout: 0 }), { name: 'RangeError', message: 'options.timeout must be more than 0 and at most 2147483647 milliseconds, got 0' });
      assert.throws(() => library.stopClusterOnExit({ timeout: '5s' }), { name: 'TypeError', message: "options.timeout must be a number of milliseconds, got '5s'" });
      assert.throws(() => library.exitWithParent({ pollInterval: -5 }), { name: 'RangeError', message: 'options.pollInterval must be more than 0 and at most 2147483647 milliseconds, got -5' });
      const { Worker } = await import('node:worker_threads');
      const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
      try {
        assert.throws(() => library.stopWorker(worker, { signal: {} }), { name: 'TypeError', message: 'options.signal must be an AbortSignal, got {}' });
        assert.throws(() => library.stopWorker(worker, { timeout: Infinity }), { name: 'RangeError', message: 'options.timeout must be more than 0 and at most 2147483647 milliseconds, got Infinity' });
      } finally {
        await worker.terminate();
      }
    } finally {
      child.kill('SIGKILL');
    }
  });
});

