// Generated exit schedules for the property suites: which hooks are
// registered (and what each does when it runs), what starts the exit, which
// signals arrive meanwhile and when, and which output write fails. Executed
// by test/fixtures/properties/run-schedule.cjs.
import fc from 'fast-check';

export const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
export const SIGNAL_NUMBERS = { SIGHUP: 1, SIGINT: 2, SIGPIPE: 13, SIGTERM: 15 };

/** What a hook does when it runs (a `register` hook registers another, which runs next). */
const leafBehavior = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: 'sync' }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('async'), ms: fc.constantFrom(0, 5, 30, 120, 700) }) },
  { weight: 4, arbitrary: fc.constant({ kind: 'throw' }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('reject'), ms: fc.constantFrom(0, 30) }) },
  { weight: 4, arbitrary: fc.constant({ kind: 'never' }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('block'), ms: fc.constantFrom(20, 150, 1200) }) },
  { weight: 4, arbitrary: fc.constant({ kind: 'write' }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('unregister'), target: fc.nat(20) }) },
  // Ending the process from inside a hook cuts the schedule short: rarer.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('exit'), status: fc.constantFrom(0, 4) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('process-exit'), status: fc.constantFrom(0, 5) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('exit-now'), code: fc.constantFrom(0, 6) }) },
);

const behavior = fc.oneof(
  { weight: 9, arbitrary: leafBehavior },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('register'), inner: leafBehavior }) },
);

const hook = fc.record({
  behavior,
  group: fc.option(fc.constantFrom('g1', 'g2'), { freq: 3, nil: null }),
  timeout: fc.option(fc.constantFrom(50, 400), { freq: 3, nil: null }),
});

const trigger = fc.oneof(
  fc.record({
    kind: fc.constant('exit'),
    value: fc.constantFrom('status', 'message', 'error', 'exit-error', 'system-exit-changed'),
    status: fc.constantFrom(0, 3),
  }),
  fc.record({ kind: fc.constant('signal'), signal: fc.constantFrom(...SIGNALS) }),
  fc.constant({ kind: 'uncaught' }),
  fc.constant({ kind: 'rejection' }),
  fc.record({ kind: fc.constant('natural'), exitCode: fc.constantFrom(null, 0, 2) }),
  fc.record({ kind: fc.constant('process-exit'), status: fc.constantFrom(0, 7) }),
);

/** Any schedule, for the simulated process (virtual time makes every timing exact). */
export const scheduleArbitrary = fc
  .record({
    timeout: fc.constantFrom(100, 300, 1000, 10_000),
    signalExit: fc.constantFrom('signal', 'code', 0, 3),
    keepAlive: fc.boolean(),
    hooks: fc.array(hook, { maxLength: 8 }),
    unregisterBeforeExit: fc.array(fc.nat(20), { maxLength: 2 }),
    trigger,
    signals: fc.array(fc.record({ at: fc.constantFrom(0, 50, 400, 1100, 1500, 2500), signal: fc.constantFrom(...SIGNALS) }), { minLength: 0, maxLength: 4 }),
    outputFault: fc.option(fc.constantFrom('EPIPE', 'EIO'), { freq: 3, nil: null }),
  })
  // A program that keeps itself alive never ends naturally. Once its hooks
  // ran at the natural end the listeners are gone, and a signal from outside
  // then ends the process by Node's default, as in any program: not part of
  // the exit sequence, so not generated.
  .map((schedule) => (schedule.trigger.kind === 'natural' ? { ...schedule, keepAlive: false, signals: [] } : schedule))
  // A program must be alive to receive a signal from outside.
  .map((schedule) => (schedule.trigger.kind === 'signal' ? { ...schedule, keepAlive: true } : schedule));

/**
 * Schedules a real process can replay with the same result: no output faults
 * (a real pipe cannot be made to fail on cue), a program that stays alive
 * until an outside signal arrives, and short blocks. Timing races are
 * filtered later, on the simulated timeline (see `robustForRealTime`).
 */
export const realScheduleArbitrary = scheduleArbitrary.map((schedule) => ({
  ...schedule,
  outputFault: null,
  keepAlive: schedule.trigger.kind === 'natural' ? false : true,
  timeout: Math.min(schedule.timeout, 1000),
  hooks: schedule.hooks.map((spec) => ({ ...spec, behavior: shorten(spec.behavior) })),
  signals: schedule.trigger.kind === 'natural' ? [] : schedule.signals,
}));

function shorten(behavior) {
  if (behavior.kind === 'block') return { ...behavior, ms: Math.min(behavior.ms, 150) };
  if (behavior.kind === 'register') return { ...behavior, inner: shorten(behavior.inner) };
  return behavior;
}

/** The behavior of each hook by name (h1…, and h1+ for the hook h1 registers). */
export function behaviorsByName(schedule) {
  const byName = new Map();
  schedule.hooks.forEach((spec, index) => {
    const name = `h${index + 1}`;
    byName.set(name, { ...spec, name });
    if (spec.behavior.kind === 'register') byName.set(`${name}+`, { behavior: spec.behavior.inner, group: null, timeout: null, name: `${name}+` });
  });
  return byName;
}

/**
 * The documented order in which the hooks start: newest first (LIFO), the
 * members of a group together at the place of the group's newest member
 * (newest first among them), a hook registered while the hooks run next, an
 * unregistered one skipped. The exit may stop early, so what runs is a prefix.
 */
export function expectedStartOrder(schedule) {
  const registered = [];
  const topLevel = [];
  const add = (name, group) => {
    const entry = { name, group, started: false, removed: false };
    registered.push(entry);
    return entry;
  };
  schedule.hooks.forEach((spec, index) => topLevel.push(add(`h${index + 1}`, spec.group)));
  for (const index of schedule.unregisterBeforeExit) if (topLevel.length > 0) topLevel[index % topLevel.length].removed = true;
  const byName = behaviorsByName(schedule);
  const order = [];
  for (;;) {
    const waiting = registered.filter((entry) => !entry.started && !entry.removed);
    const newest = waiting.at(-1);
    if (newest === undefined) return order;
    const step = newest.group === null ? [newest] : waiting.filter((entry) => entry.group === newest.group).reverse();
    for (const entry of step) entry.started = true;
    for (const entry of step) {
      order.push(entry.name);
      const { behavior } = byName.get(entry.name);
      if (behavior.kind === 'register') add(`${entry.name}+`, null);
      if (behavior.kind === 'unregister' && topLevel.length > 0) topLevel[behavior.target % topLevel.length].removed = true;
    }
  }
}
