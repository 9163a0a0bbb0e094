import * as clusterNamespace from 'node:cluster';
import type { Cluster } from 'node:cluster';

/**
 * The `node:cluster` module object. A default import would need
 * esModuleInterop in the CommonJS build, and a namespace import alone lacks
 * the EventEmitter methods (`on`, `off`) in the ES module build, so take the
 * default export where there is one (ESM) and the module itself otherwise.
 */
export const cluster: Cluster = (clusterNamespace as unknown as { default?: Cluster }).default ?? (clusterNamespace as unknown as Cluster);
