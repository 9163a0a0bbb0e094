// The exit manager in-process, on a test process: validation, and sequence
// details that need no real process (the real-process suites cover the rest).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ExitError, SystemExit } from 'farewell';
import { createExitManager, createTestProcess } from 'farewell/testing';

function setup(options = {}, processOptions = {}) {
  const proc = createTestProcess(processOptions);
  const manager = createExitManager({ process: proc, ...options });
  return { proc, manager };
}

describe('createExitManager() and configure() validate their options', () => {
  const cases = [
    [{ timeout: 0 }, RangeError, 'options.timeout must be more than 0 and at most 2147483647 milliseconds, got 0'],
    [{ timeout: -5 }, RangeError, 'options.timeout must be more than 0 and at most 2147483647 milliseconds, got -5'],
    [{ timeout: NaN }, RangeError, 'options.timeout must be more than 0 and at most 2147483647 milliseconds, got NaN'],
    [{ timeout: '10s' }, TypeError, "options.timeout must be a number of milliseconds, got '10s'"],
    [{ signals: 'SIGTERM' }, TypeError, "options.signals must be an array of signal names, got 'SIGTERM'"],
    [{ signals: ['SIGKILL'] }, RangeError, 'options.signals[0] is SIGKILL, which cannot be handled: it cannot be caught'],
    [{ signals: ['SIGTERM', 'SIGUSR1'] }, RangeError, 'options.signals[1] is SIGUSR1, which cannot be handled: Node.js reserves it to start the inspector (nodejs/node#19619)'],
    [{ signals: ['SIGSEGV'] }, RangeError, 'options.signals[0] is SIGSEGV, which cannot be handled: it is not safe to handle in JavaScript (nodejs/node PR #8410)'],
    [{ signals: ['SIGPROF'] }, RangeError, 'options.signals[0] is SIGPROF, which cannot be handled: listening to it breaks profilers (tapjs/signal-exit#21)'],
    [{ signals: ['SIGNOPE'] }, RangeError, `options.signals[0] is 'SIGNOPE', which is not a signal on ${process.platform}`],
    [{ signals: [15] }, TypeError, "options.signals[0] must be a signal name such as 'SIGTERM', got 15"],
    [{ signalExit: 'die' }, TypeError, "options.signalExit must be 'signal', 'code' or an exit status 0–255, got 'die'"],
    [{ signalExit: 300 }, RangeError, 'options.signalExit must be an integer from 0 to 255, got 300'],
    [{ handleErrors: 'no' }, TypeError, "options.handleErrors must be a boolean, got 'no'"],
    [{ logger: console }, TypeError, 'options.logger must be a function (message: string) => void, got'],
    [{ timout: 5 }, TypeError, 'options.timout is not an option; the options are: signals, timeout, signalExit, handleErrors, logger'],
  ];
  for (const [options, ErrorClass, message] of cases) {
    test(`${JSON.stringify(options)} → ${ErrorClass.name}`, () => {
      const check = (error) => error instanceof ErrorClass && error.message.startsWith(message);
      const checkManager = (error) => check(error) || (error instanceof ErrorClass && error.message === message.replace('the options are: ', 'the options are: process, '));
      assert.throws(() => createExitManager({ process: createTestProcess(), ...options }), checkManager);
      const { manager } = setup();
      assert.throws(() => manager.configure(options), check);
    });
  }

  test('configure(non-object) → TypeError', () => {
    const { manager } = setup();
    assert.throws(() => manager.configure(null), { name: 'TypeError', message: 'options must be an object, got null' });
  });

  test('createExitManager({ process: {} }) → TypeError', () => {
    assert.throws(() => createExitManager({ process: {} }), {
      name: 'TypeError',
      message: 'options.process must be a process facade (see createTestProcess), got {}',
    });
  });
});

describe('onExit() validates its arguments', () => {
  const cases = [
    [['not a function'], TypeError, "hook must be a function or a disposable resource (with [Symbol.asyncDispose] or [Symbol.dispose]), got 'not a function'"],
    [[() => {}, null], TypeError, 'options must be an object, got null'],
    [[() => {}, { name: '' }], TypeError, "options.name must be a non-empty string, got ''"],
    [[() => {}, { timeout: -1 }], RangeError, 'options.timeout must be more than 0 and at most 2147483647 milliseconds, got -1'],
    [[() => {}, { group: 5 }], TypeError, 'options.group must be a non-empty string, got 5'],
    [[() => {}, { priority: 1 }], TypeError, 'options.priority is not an option; the options are: name, timeout, group'],
  ];
  for (const [args, ErrorClass, message] of cases) {
    test(`${message.split(',')[0]}`, () => {
      const { manager } = setup();
      assert.throws(() => manager.onExit(...args), { name: ErrorClass.name, message });
    });
  }
});

describe('errors', () => {
  test('SystemExit and ExitError validate their exit codes', () => {
    assert.throws(() => new SystemExit(256), { name: 'RangeError', message: 'exitCode must be an integer from 0 to 255, got 256' });
    assert.throws(() => new ExitError('x', { exitCode: 1.5 }), { name: 'RangeError', message: 'options.exitCode must be an integer from 0 to 255, got 1.5' });
    assert.throws(() => new ExitError('x', 'nope'), { name: 'TypeError', message: "options must be an object, got 'nope'" });
  });

  test('an ExitError subclass keeps its name, exitCode and cause; instanceof stays exact', () => {
    class ConfigError extends ExitError {
      exitCode = 78;
    }
    const cause = new Error('root');
    const error = new ConfigError('bad', { cause });
    assert.equal(error.name, 'ConfigError');
    assert.equal(error.exitCode, 78);
    assert.equal(error.cause, cause);
    assert.ok(error instanceof ConfigError && error instanceof ExitError && error instanceof Error);
    assert.ok(!(new ExitError('plain') instanceof ConfigError));
    assert.ok(!(new Error('x') instanceof ExitError));
  });
});

describe('the sequence on a test process', () => {
  test('SIGTERM: hooks run in LIFO order, then the process dies by SIGTERM', async () => {
    const { proc, manager } = setup();
    const order = [];
    manager.onExit(() => order.push('first'));
    manager.onExit(async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      order.push('second');
    });
    assert.deepEqual(proc.eventNames().sort(), ['SIGHUP', 'SIGINT', 'SIGTERM', 'beforeExit', 'exit', 'uncaughtException'].sort());
    proc.emit('SIGTERM');
    assert.equal(manager.shutdownSignal.aborted, true);
    assert.deepEqual(await proc.ended, { how: 'signal', code: null, signal: 'SIGTERM' });
    assert.deepEqual(order, ['second', 'first']);
  });

  test('exit(2) throws SystemExit(2) and ends with status 2', async () => {
    const { proc, manager } = setup();
    assert.throws(() => manager.exit(2), (error) => error instanceof SystemExit && error.exitCode === 2);
    assert.equal(manager.phase, 'hooks');
    assert.deepEqual(await proc.ended, { how: 'exit', code: 2, signal: null });
    assert.equal(manager.phase, 'ending');
  });

  test('SIGINT on a terminal says a second Ctrl+C forces the exit', async () => {
    const { proc, manager } = setup({}, { isTTY: true });
    manager.onExit(() => {});
    proc.emit('SIGINT');
    await proc.ended;
    assert.equal(proc.output.stderr, 'farewell: exiting gracefully (press Ctrl+C again to force)\n');
  });

  test('SIGINT without a terminal prints nothing', async () => {
    const { proc, manager } = setup();
    manager.onExit(() => {});
    proc.emit('SIGINT');
    await proc.ended;
    assert.equal(proc.output.stderr, '');
  });

  test('the logger receives the library messages instead of stderr', async () => {
    const messages = [];
    const { proc, manager } = setup({ logger: (message) => messages.push(message) });
    manager.onExit(() => {
      throw new Error('nope');
    }, { name: 'broken' });
    assert.throws(() => manager.exit(0), SystemExit);
    assert.deepEqual(await proc.ended, { how: 'exit', code: 1, signal: null });
    assert.equal(messages.length, 1);
    assert.match(messages[0], /^farewell: exit hook "broken" failed after \d+ ms:\nError: nope\n/);
    assert.equal(proc.output.stderr, '');
  });

  test('a failing hook never changes a signal death', async () => {
    const { proc, manager } = setup();
    manager.onExit(() => {
      throw new Error('nope');
    });
    proc.emit('SIGHUP');
    assert.deepEqual(await proc.ended, { how: 'signal', code: null, signal: 'SIGHUP' });
  });

  test("signalExit 'code' and a fixed status", async () => {
    for (const [signalExit, code] of [['code', 143], [0, 0], [42, 42]]) {
      const { proc, manager } = setup({ signalExit });
      manager.onExit(() => {});
      proc.emit('SIGTERM');
      assert.deepEqual(await proc.ended, { how: 'exit', code, signal: null });
    }
  });

  test('onExit() after the hooks ran throws instead of silently never running', async () => {
    const { proc, manager } = setup();
    assert.throws(() => manager.exit(0), SystemExit);
    await proc.ended;
    assert.throws(() => manager.onExit(() => {}), {
      name: 'Error',
      message: 'onExit(): the exit sequence has already run its hooks (phase "ending"); this hook would never run',
    });
  });

  test('exitNow() on a test process ends it at once and runs nothing', async () => {
    const { proc, manager } = setup();
    let ran = false;
    manager.onExit(() => (ran = true));
    manager.exitNow(3);
    assert.deepEqual(await proc.ended, { how: 'exit-immediately', code: 3, signal: null });
    assert.equal(ran, false);
  });

  test('a second signal forces the end; a repeat within 1 s of it changes nothing', async () => {
    const { proc, manager } = setup({}, { virtualTime: true });
    proc.keepAlive();
    manager.onExit(() => new Promise(() => {}), { name: 'stuck' });
    proc.receiveSignal('SIGINT');
    // Signals count once they are 1 s apart (closer, they are one request relayed twice).
    proc.setTimer(() => proc.receiveSignal('SIGTERM'), 1100, { ref: false }); // forced: a final flush of at most 100 ms begins
    proc.setTimer(() => proc.receiveSignal('SIGHUP'), 1150, { ref: false }); // within 1 s of SIGTERM: a duplicate
    assert.deepEqual(await proc.ended, { how: 'signal', code: null, signal: 'SIGTERM' });
    assert.equal(proc.output.stderr, 'farewell: received SIGTERM again during the exit: ending now; still running: "stuck" (running for 1.1 s)\n');
  });

  test('reportFailure() logs the message and turns status 0 into 1, never a signal death', async () => {
    for (const [trigger, end] of [['exit', { how: 'exit', code: 1, signal: null }], ['SIGTERM', { how: 'signal', code: null, signal: 'SIGTERM' }]]) {
      const { proc, manager } = setup();
      manager.onExit(() => manager.reportFailure('farewell: a child had to be killed'));
      if (trigger === 'exit') assert.throws(() => manager.exit(0), SystemExit);
      else proc.emit(trigger);
      assert.deepEqual(await proc.ended, end);
      assert.equal(proc.output.stderr, 'farewell: a child had to be killed\n');
    }
    assert.throws(() => setup().manager.reportFailure(42), { name: 'TypeError', message: 'message must be a string, got 42' });
  });

  test('requestExit() starts the sequence without throwing, once', async () => {
    const { proc, manager } = setup();
    const seen = [];
    manager.onExit(({ trigger, exitCode }) => seen.push(`${trigger.kind} ${trigger.source} ${exitCode}`));
    assert.equal(manager.requestExit('parent process disconnected', 3), true);
    assert.equal(manager.requestExit('again'), false);
    assert.equal(manager.shutdownSignal.reason.message, 'The exit started: parent process disconnected');
    assert.deepEqual(await proc.ended, { how: 'exit', code: 3, signal: null });
    assert.deepEqual(seen, ['request parent process disconnected 3']);
  });

  test('requestExit() validates its arguments', () => {
    const { manager } = setup();
    assert.throws(() => manager.requestExit(''), { name: 'TypeError', message: "source must be a non-empty string, got ''" });
    assert.throws(() => manager.requestExit('x', 256), { name: 'RangeError', message: 'status must be an integer from 0 to 255, got 256' });
    assert.equal(manager.phase, 'idle');
  });

  test('timeLeft() counts down to the earlier of the hook timeout and the global deadline', async () => {
    const { proc, manager } = setup({ timeout: 5000 });
    const left = [];
    manager.onExit(({ timeLeft }) => left.push(timeLeft()), { timeout: 200 });
    manager.onExit(({ timeLeft }) => left.push(timeLeft()));
    manager.requestExit('test');
    await proc.ended;
    assert.ok(left[0] > 4000 && left[0] <= 5000, `global: ${left[0]}`);
    assert.ok(left[1] > 100 && left[1] <= 200, `own timeout: ${left[1]}`);
  });

  test('timeLeft() is 0 when hooks run synchronously (a direct process.exit()): nothing can be awaited', () => {
    const { proc, manager } = setup({ timeout: 5000 });
    const left = [];
    manager.onExit(({ timeLeft }) => left.push(timeLeft()));
    proc.emit('exit', 0);
    assert.deepEqual(left, [0]);
  });

  test('elapsed() counts from the start of the exit, across hooks', async () => {
    const { proc, manager } = setup();
    const seen = [];
    manager.onExit(({ elapsed }) => seen.push(elapsed()));
    manager.onExit(async ({ elapsed }) => {
      seen.push(elapsed());
      await new Promise((resolve) => setTimeout(resolve, 50));
    });
    manager.requestExit('test');
    await proc.ended;
    assert.ok(seen[0] >= 0 && seen[0] < 50, `first hook: ${seen[0]}`);
    assert.ok(seen[1] >= 50 && seen[1] < 5000, `second hook, after the first waited 50 ms: ${seen[1]}`);
  });

  test('removing the last hook removes the signal and lifecycle listeners', () => {
    const { proc, manager } = setup();
    const unregister = manager.onExit(() => {});
    unregister();
    assert.deepEqual(proc.eventNames(), ['uncaughtException']);
  });
});

describe('the exit report on a test process with virtual time', () => {
  test('timings are exact: a 10 s deadline, a 300 ms hook, a cut one', async () => {
    const proc = createTestProcess({ virtualTime: true });
    const manager = createExitManager({ process: proc });
    proc.keepAlive();
    const reports = [];
    manager.onExitReport((report) => reports.push(report));
    manager.onExit(() => new Promise(() => {}), { name: 'stuck' });
    manager.onExit(() => new Promise((resolve) => proc.setTimer(resolve, 300, { ref: true })), { name: 'database' });
    proc.receiveSignal('SIGTERM');
    assert.deepEqual(await proc.ended, { how: 'signal', code: null, signal: 'SIGTERM' });
    assert.equal(reports.length, 1);
    const [report] = reports;
    assert.deepEqual(
      report.hooks.map(({ name, startMs, durationMs, outcome, cutBy }) => ({ name, startMs, durationMs, outcome, cutBy })),
      [
        { name: 'database', startMs: 0, durationMs: 300, outcome: 'completed', cutBy: undefined },
        { name: 'stuck', startMs: 300, durationMs: 9700, outcome: 'cut', cutBy: 'deadline' },
      ],
    );
    assert.deepEqual(report.forcedBy, { reason: 'deadline', atMs: 10_000 });
    assert.deepEqual([report.durationMs, report.end, report.cleanupFailed], [10_000, { kind: 'signal', signal: 'SIGTERM', status: 143 }, true]);
  });

  test('nobody listening: nothing is recorded, and addToExitReport() keeps nothing', async () => {
    const proc = createTestProcess({ virtualTime: true });
    const manager = createExitManager({ process: proc });
    for (let i = 0; i < 1000; i++) manager.addToExitReport('noise', i);
    const reports = [];
    manager.onExit(() => manager.onExitReport((report) => reports.push(report))); // subscribed too late for this exit
    assert.throws(() => manager.exit(0));
    await proc.ended;
    assert.deepEqual(reports, []);
  });
});
