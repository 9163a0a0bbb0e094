// The exit contract, checked on randomly generated schedules (reliability
// issue, part 2): hooks of every kind (sync, async, throwing, rejecting,
// never settling, blocking the loop, calling exit()/exitNow()/process.exit()
// or onExit() inside, unregistering others), every trigger, second and third
// signals at random moments, output that breaks, random deadlines.
//
// Each schedule runs on the test process with virtual time (exact and fast),
// and these properties must hold:
// 1. hooks start in the documented order (LIFO, a group as one step, a hook
//    registered meanwhile next), each at most once; all of them unless the
//    exit was cut (deadline, forced, exitNow);
// 2. the end (status or signal) is the documented function of the trigger
//    and of the failures; a failure never ends with 0;
// 3. the end comes within the deadline plus the final flush (or right after
//    a hook that blocked the loop past it), and never hangs;
// 4. every message is true: a hook named as failed, timed out, never
//    settled, still running or not started was exactly that, and a
//    process.exit() is named only when one was called.
// Then a slice of schedules replays in real node children (ESM and CJS) and
// must end exactly as on the test process: the test process tells the truth.
//
// Replay a failure: the seed is printed with every run.
//   FAREWELL_PROPERTY_SEED=<seed> node --test test/lifecycle/exit-sequence.property.test.mjs
// More runs: FAREWELL_PROPERTY_RUNS=20000 (default 2000 simulated, 26 real per format).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ExitError, SystemExit } from 'farewell';
import { createExitManager, createTestProcess } from 'farewell/testing';
import { FORMATS, runScenario } from '../helpers/run-scenario.mjs';
import { SIGNAL_NUMBERS, behaviorsByName, expectedStartOrder, realScheduleArbitrary, scheduleArbitrary } from './schedule.mjs';

const { runSchedule } = createRequire(import.meta.url)('../fixtures/properties/run-schedule.cjs');

const SEED = process.env.FAREWELL_PROPERTY_SEED === undefined ? Date.now() % 2 ** 31 : Number(process.env.FAREWELL_PROPERTY_SEED);
const RUNS = Number(process.env.FAREWELL_PROPERTY_RUNS ?? 2000);
const REAL_RUNS = Math.max(1, Math.round(RUNS / 77));
/** The final flush after a forced end or the deadline (FINAL_FLUSH_MS). */
const FINAL_FLUSH_MS = 100;

/** Runs a schedule on a test process with virtual time; resolves with what happened. */
async function simulate(schedule) {
  const proc = createTestProcess({ virtualTime: true });
  const manager = createExitManager({ process: proc });
  manager.configure({ timeout: schedule.timeout, signalExit: schedule.signalExit }); // as the real replay does
  const events = [];
  let faulted = false;
  const env = {
    onExit: manager.onExit,
    exit: manager.exit,
    exitNow: manager.exitNow,
    configure: manager.configure,
    processExit: (code) => proc.exit(code),
    sleep: (ms) => new Promise((resolve) => proc.setTimer(resolve, ms, { ref: true })),
    block: (ms) => proc.block(ms),
    record: (event) => {
      if (proc.end === undefined) events.push({ at: proc.now(), event });
    },
    keepAlive: () => proc.keepAlive(),
    setExitCode: (code) => proc.setExitCode(code),
    writeStdout: (text) => {
      proc.stdout.write(text);
      if (schedule.outputFault !== null && !faulted) {
        faulted = true;
        proc.stdout.emit('error', Object.assign(new Error(`write ${schedule.outputFault}`), { code: schedule.outputFault }));
      }
    },
    startTrigger: (spec) => {
      if (spec.kind === 'signal') proc.receiveSignal(spec.signal);
      else if (spec.kind === 'uncaught') proc.emit('uncaughtException', new Error('boom'), 'uncaughtException');
      else if (spec.kind === 'rejection') proc.emit('uncaughtException', new Error('rejected'), 'unhandledRejection');
      else if (spec.kind === 'natural' && spec.exitCode !== null) proc.setExitCode(spec.exitCode);
      else if (spec.kind === 'process-exit') proc.exit(spec.status);
    },
    ExitError,
    SystemExit,
  };
  for (const { at, signal } of schedule.signals) proc.setTimer(() => proc.receiveSignal(signal), at, { ref: false });
  runSchedule(env, schedule);
  let guard;
  const hang = new Promise((_, reject) => {
    guard = setTimeout(() => reject(new Error(`the simulated process never ended (events: ${events.map(({ event }) => event).join(', ')})`)), 5000);
  });
  const end = await Promise.race([proc.ended, hang]).finally(() => clearTimeout(guard));
  return { end, endAt: proc.now(), events, stderr: proc.output.stderr, wroteWithFault: faulted };
}

/** Checks the four properties on one simulated run; throws an AssertionError naming the broken one. */
function checkProperties(schedule, run) {
  const byName = behaviorsByName(schedule);
  const started = run.events.filter(({ event }) => event.startsWith('start ')).map(({ event }) => event.slice(6));
  const ended = new Set(run.events.filter(({ event }) => event.startsWith('end ')).map(({ event }) => event.slice(4)));
  const messages = run.stderr;

  // 1. Order: a prefix of the documented order, each hook once; all of it unless cut.
  const expected = expectedStartOrder(schedule);
  assert.deepEqual(started, expected.slice(0, started.length), 'property 1: hooks start in the documented order');
  const exitedNow = started.some((name) => byName.get(name).behavior.kind === 'exit-now');
  const deadline = /did not finish within \d+ ms/.test(messages);
  const forced = /during the exit: ending now/.test(messages);
  if (!exitedNow && !deadline && !forced) assert.equal(started.length, expected.length, 'property 1: every hook ran');

  // 2. The end, as a function of the trigger and the failures.
  assert.deepEqual(run.end, expectedEnd(schedule, run, started, byName), 'property 2: the documented end');

  // 3. Within the deadline (or right after a hook that blocked the loop past it), plus the final flush.
  const blockEnds = run.events.filter(({ event }) => event.startsWith('end ') && byName.get(event.slice(4)).behavior.kind === 'block').map(({ at }) => at);
  const latest = Math.max(schedule.timeout, ...blockEnds) + FINAL_FLUSH_MS;
  assert.ok(run.endAt <= latest, `property 3: ended at ${run.endAt} ms, after ${latest} ms`);

  // 4. Every message is true.
  for (const [, name] of messages.matchAll(/exit hook "([^"]+)" failed/g)) {
    assert.ok(['throw', 'reject'].includes(byName.get(name).behavior.kind) && started.includes(name), `property 4: ${name} is named as failed`);
  }
  for (const [, name, ms] of messages.matchAll(/exit hook "([^"]+)" timed out after (\d+) ms/g)) {
    const { behavior, timeout } = byName.get(name);
    const takes = { async: behavior.ms, reject: behavior.ms, never: Infinity }[behavior.kind] ?? 0;
    assert.ok(timeout === Number(ms) && takes > timeout, `property 4: ${name} is named as timed out`);
  }
  for (const [, name] of messages.matchAll(/exit hook "([^"]+)" \(running for [^)]*\) never settled/g)) {
    assert.equal(byName.get(name).behavior.kind, 'never', `property 4: ${name} is named as never settled`);
  }
  for (const [, list] of messages.matchAll(/still running: ((?:"[^"]+" \([^)]*\)(?:, )?)+)/g)) {
    for (const [, name] of list.matchAll(/"([^"]+)"/g)) assert.ok(started.includes(name), `property 4: ${name} is named as running`);
  }
  for (const [, list] of messages.matchAll(/not started: ((?:"[^"]+"(?:, )?)+)/g)) {
    for (const [, name] of list.matchAll(/"([^"]+)"/g)) assert.ok(!started.includes(name), `property 4: ${name} is named as not started`);
  }
  if (/process\.exit\(\) was called/.test(messages)) {
    const called = schedule.trigger.kind === 'process-exit' || started.some((name) => byName.get(name).behavior.kind === 'process-exit');
    assert.ok(called, 'property 4: a process.exit() call is named only when one was made');
  }
  // ...and complete: a hook that threw is always reported.
  for (const name of started) {
    if (byName.get(name).behavior.kind === 'throw') assert.match(messages, new RegExp(`exit hook "${name.replace('+', '\\+')}" failed`), `property 4: ${name} threw`);
  }
  void ended;
}

/** The end the documentation promises for this run. */
function expectedEnd(schedule, run, started, byName) {
  const firstExitNow = started.find((name) => byName.get(name).behavior.kind === 'exit-now');
  if (firstExitNow !== undefined) return { how: 'exit-immediately', code: byName.get(firstExitNow).behavior.code, signal: null };

  const failed =
    /exit hook "[^"]+" (failed|timed out)|never settled|did not finish within|output was lost|ending now; (still running|not started)|hooks cut short/.test(run.stderr) ||
    (schedule.outputFault === 'EPIPE' && run.wroteWithFault);
  const orOne = (status) => (failed && status === 0 ? 1 : status);

  // A hook's own process.exit(n) sets the status; the last one wins.
  const nested = started.filter((name) => byName.get(name).behavior.kind === 'process-exit').at(-1);
  if (nested !== undefined) return { how: 'exit', code: orOne(byName.get(nested).behavior.status), signal: null };

  const { trigger } = schedule;
  // Signals are handled while a hook is registered; otherwise Node's default ends the process.
  if (trigger.kind === 'signal' && !hookRegisteredAtExit(schedule)) return { how: 'signal', code: null, signal: trigger.signal };
  const base = {
    exit: () => ({ status: trigger.status, message: 1, error: 1, 'exit-error': 78, 'system-exit-changed': 1 })[trigger.value],
    signal: () => 128 + SIGNAL_NUMBERS[trigger.signal],
    uncaught: () => 1,
    rejection: () => 1,
    natural: () => trigger.exitCode ?? 0,
    'process-exit': () => trigger.status,
  }[trigger.kind]();
  const forcedBy = /received (SIG[A-Z]+) again during the exit: ending now/.exec(run.stderr)?.[1];
  const brokenPipe = schedule.outputFault === 'EPIPE' && run.wroteWithFault && base === 0 ? 'SIGPIPE' : undefined;
  const endSignal = forcedBy ?? (trigger.kind === 'signal' ? trigger.signal : undefined) ?? brokenPipe;
  if (endSignal === undefined || trigger.kind === 'process-exit') return { how: 'exit', code: orOne(base), signal: null };
  if (schedule.signalExit === 'signal') return { how: 'signal', code: null, signal: endSignal };
  if (schedule.signalExit === 'code') return { how: 'exit', code: 128 + SIGNAL_NUMBERS[endSignal], signal: null };
  // A chosen status replaces 128 + n for an exit a signal started; any other keeps its own.
  return { how: 'exit', code: orOne(trigger.kind === 'signal' ? schedule.signalExit : base), signal: null };
}

/** Whether a hook is still registered when the exit starts (unregistrations before it applied). */
function hookRegisteredAtExit(schedule) {
  const removed = new Set(schedule.unregisterBeforeExit.map((index) => index % Math.max(1, schedule.hooks.length)));
  return schedule.hooks.length > removed.size;
}

describe('the exit contract on generated schedules', () => {
  test(`${RUNS} schedules on the test process with virtual time`, async (t) => {
    t.diagnostic(`seed ${SEED}: replay with FAREWELL_PROPERTY_SEED=${SEED} node --test test/lifecycle/exit-sequence.property.test.mjs`);
    await fc.assert(
      fc.asyncProperty(scheduleArbitrary, async (schedule) => checkProperties(schedule, await simulate(schedule))),
      { seed: SEED, numRuns: RUNS, includeErrorInReport: true },
    );
  });

  for (const format of FORMATS) {
    test(`${REAL_RUNS} schedules replayed in real node children [${format}] end as on the test process`, async (t) => {
      t.diagnostic(`seed ${SEED}`);
      await fc.assert(
        fc.asyncProperty(realScheduleArbitrary, async (schedule) => {
          const simulated = await simulate(schedule);
          fc.pre(robustForRealTime(schedule, simulated));
          const real = await replay(schedule, format);
          assert.deepEqual(real.end, simulated.end, 'the real process ends as the test process did');
          assert.deepEqual(real.events, simulated.events.map(({ event }) => event), 'the real process runs the same hooks in the same order');
          assert.equal(normalize(real.stderr), normalize(simulated.stderr), 'the real process prints the same messages');
        }),
        { seed: SEED, numRuns: REAL_RUNS, maxSkipsPerRun: 1000, includeErrorInReport: true },
      );
    });
  }
});

/** Runs the schedule in a real node child; the test sends the signals at their moments. */
async function replay(schedule, format) {
  let triggeredAt;
  const result = await runScenario('schedule:run', {
    format,
    args: [JSON.stringify(schedule)],
    onEvent: (event, child) => {
      if (event === 'trigger') triggeredAt = performance.now();
      if (event.startsWith('send ')) child.kill(event.slice(5));
      if (event === 'trigger') {
        for (const { at, signal } of schedule.signals) setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill(signal), at);
      }
    },
  });
  void triggeredAt;
  const end = result.signal !== null ? { how: 'signal', code: null, signal: result.signal } : { how: endHow(schedule, result), code: result.code, signal: null };
  return { end, events: result.events.filter((event) => !event.startsWith('send ')), stderr: result.stderr };
}

/** exitNow() and process.exit() both end with a status; the test process tells them apart. */
function endHow(schedule, result) {
  return result.events.some((event) => /^end /.test(event) && exitNowHooks(schedule).has(event.slice(4))) ? 'exit-immediately' : 'exit';
}

function exitNowHooks(schedule) {
  return new Set([...behaviorsByName(schedule).values()].filter(({ behavior }) => behavior.kind === 'exit-now').map(({ name }) => name));
}

/**
 * A real process's timers are late by a few milliseconds, a loaded machine's
 * by more: replay only schedules in which nothing that decides the outcome
 * falls within 60 ms of something it races with (a hook ending against the
 * deadline, a hook timeout or a signal; a signal against the 1 s window in which
 * a repeat is a duplicate).
 */
function robustForRealTime(schedule, run) {
  const MARGIN = 60;
  const byName = behaviorsByName(schedule);
  const eventTimes = run.events.map(({ at }) => at);
  const independent = [schedule.timeout];
  for (const { at, event } of run.events) {
    if (!event.startsWith('start ')) continue;
    const { timeout } = byName.get(event.slice(6));
    if (timeout !== null) independent.push(at + timeout);
  }
  // A repeat within 1 s of the last signal that counted is a duplicate (REPEATED_SIGNAL_WINDOW_MS).
  for (const { at } of schedule.signals) independent.push(at, at + 1000);
  if (schedule.signals.length > 0 && schedule.trigger.kind === 'signal') independent.push(1000);
  const near = (a, b) => a !== b && Math.abs(a - b) < MARGIN;
  for (const time of independent) {
    if (time >= run.endAt + MARGIN) continue;
    if (eventTimes.some((other) => near(time, other)) || independent.some((other) => near(time, other))) return false;
    if (Math.abs(time - run.endAt) < MARGIN) return false;
  }
  return true;
}

/** Messages without the numbers that differ between runs (durations, what keeps the loop alive). */
function normalize(stderr) {
  return stderr
    .replace(/\(running for [^)]*\)/g, '(running for …)')
    .replace(/after \d+ ms/g, 'after … ms')
    .replace(/Keeping the process alive: .*/g, 'Keeping the process alive: …')
    .replace(/\n {4}at .*/g, '')
    .replace(/\n\nNode\.js v[\d.]+/g, '');
}
