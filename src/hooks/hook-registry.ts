import type { ExitHook } from './exit-hook.js';

/** One registration made by `onExit()`. */
export interface RegisteredHook {
  /** Registration order, from 1: later registrations run first. */
  readonly id: number;
  readonly name: string;
  readonly run: ExitHook;
  readonly timeout: number | undefined;
  readonly group: string | undefined;
  /** Set when the exit sequence has taken it; a started hook is never run twice. */
  started: boolean;
}

/**
 * The registered hooks and the order they run in: newest first (LIFO, like
 * Python's atexit and nested `finally` blocks), a group as one step.
 * The next step is chosen only when the previous one has finished, so a hook
 * registered during the exit runs next, and one unregistered meanwhile is skipped.
 */
export class HookRegistry {
  private readonly hooks: RegisteredHook[] = [];
  private lastId = 0;

  add(run: ExitHook, name: string | undefined, timeout: number | undefined, group: string | undefined): RegisteredHook {
    const id = ++this.lastId;
    const hook: RegisteredHook = { id, name: name ?? (run.name || `hook #${id}`), run, timeout, group, started: false };
    this.hooks.push(hook);
    return hook;
  }

  /** Removes a registration. Returns false if it was already removed. */
  remove(hook: RegisteredHook): boolean {
    const index = this.hooks.indexOf(hook);
    if (index === -1) return false;
    this.hooks.splice(index, 1);
    return true;
  }

  /** Registrations not yet removed, started or not. */
  get size(): number {
    return this.hooks.length;
  }

  /** The hooks of the next step, marked started; empty when none is left. */
  takeNextStep(): RegisteredHook[] {
    const newest = this.notStarted().at(-1);
    if (newest === undefined) return [];
    const step =
      newest.group === undefined ? [newest] : this.notStarted().filter((hook) => hook.group === newest.group);
    for (const hook of step) hook.started = true;
    return step.reverse();
  }

  /** Hooks that have not started, in the order they would run. */
  pending(): RegisteredHook[] {
    return this.notStarted().reverse();
  }

  private notStarted(): RegisteredHook[] {
    return this.hooks.filter((hook) => !hook.started);
  }
}
