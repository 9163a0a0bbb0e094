import { describeValue } from '../describe-value.js';

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

/**
 * What is left of `delay` once the exit has run for `elapsed` ms: several
 * servers, or a server whose hook starts after other hooks, never add their
 * delays up. The delay happens once per process.
 */
export function remainingExitDelay(delay: number, elapsed: number): number {
  return Math.max(0, delay - elapsed);
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
