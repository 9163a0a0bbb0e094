import { describeValue } from '../describe-value.js';
import { processManager } from '../lifecycle/process-wide-manager.js';

/**
 * The default `delay` of `drainOnExit()` inside Kubernetes: 5 s. Kubernetes
 * removes a terminating pod from its Service's endpoints at the same time as
 * it sends SIGTERM, and kube-proxy, ingress controllers and cloud load
 * balancers apply that change over the next seconds (peer-libraries §1.9,
 * cross-language §6.1); lightship's `shutdownDelay` uses 5 s as well. With
 * the default global deadline of 10 s this leaves about 4 s to drain (see
 * docs/kubernetes.md for the arithmetic against terminationGracePeriodSeconds).
 */
export const KUBERNETES_DELAY_MS = 5_000;

/**
 * Whether the process runs in a Kubernetes pod, judged from `env` (default
 * `process.env`): the kubelet sets `KUBERNETES_SERVICE_HOST` in every
 * container (unless the pod disables service links *and* the API server's
 * own service is hidden, which is rare).
 */
export function isKubernetes(env: NodeJS.ProcessEnv = process.env): boolean {
  if (typeof env !== 'object' || env === null) throw new TypeError(`env must be an object like process.env, got ${describeValue(env)}`);
  return typeof env.KUBERNETES_SERVICE_HOST === 'string' && env.KUBERNETES_SERVICE_HOST !== '';
}

/** `delay` when not given: 5000 ms in Kubernetes, 0 elsewhere. */
export function defaultExitDelay(): number {
  return isKubernetes() ? KUBERNETES_DELAY_MS : 0;
}

// Shared by every copy of the package (ESM and CommonJS builds), like the exit
// manager: the delay is counted once per process, from the start of the exit.
const STATE_KEY = Symbol.for('graceful-exit.http.exitStart@1');
interface ExitStartState {
  startedAt: number | undefined;
}

/** Records when the exit starts; call before the exit can start (when a drain hook is registered). */
export function watchExitStart(): void {
  const global = globalThis as Record<symbol, ExitStartState | undefined>;
  if (global[STATE_KEY] !== undefined) return;
  const state: ExitStartState = { startedAt: undefined };
  global[STATE_KEY] = state;
  const signal = processManager().shutdownSignal;
  if (signal.aborted) state.startedAt = performance.now();
  else signal.addEventListener('abort', () => (state.startedAt = performance.now()), { once: true });
}

/**
 * What is left of `delay`, counted from the start of the exit: several
 * servers, or a server whose hook starts after other hooks, never add their
 * delays up. The delay happens once per process.
 */
export function remainingExitDelay(delay: number): number {
  const startedAt = (globalThis as Record<symbol, ExitStartState | undefined>)[STATE_KEY]?.startedAt;
  if (startedAt === undefined) return delay;
  return Math.max(0, startedAt + delay - performance.now());
}

/** Waits `ms` (a ref'd timer: the server being served during the delay is the point), or until `signal` aborts. */
export function waitForDelay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
