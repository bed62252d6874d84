import type { Endpoint, Method } from './types';
import { accessEndpoints } from './routes/access';
import { clusterEndpoints } from './routes/cluster';
import { nodeEndpoints } from './routes/nodes';
import { qemuEndpoints } from './routes/qemu';
import { snapshotEndpoints } from './routes/snapshots';

/** Every /api2/json endpoint; the coverage test enumerates this table. */
export const ENDPOINTS: readonly Endpoint[] = [
  ...accessEndpoints,
  ...clusterEndpoints,
  ...nodeEndpoints,
  ...qemuEndpoints,
  ...snapshotEndpoints,
];

export type Match =
  { endpoint: Endpoint; pathParams: Record<string, string> } | { notFound: true } | { methods: Method[] };

function matchPath(pattern: string, segments: string[]): Record<string, string> | null {
  const parts = pattern.split('/').filter(Boolean);
  if (parts.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const s = segments[i]!;
    if (p.startsWith('{') && p.endsWith('}')) params[p.slice(1, -1)] = s;
    else if (p !== s) return null;
  }
  return params;
}

/** Finds the endpoint for a method and a path below /api2/json (segments already percent-decoded). */
export function route(method: string, segments: string[]): Match {
  const methods: Method[] = [];
  for (const endpoint of ENDPOINTS) {
    const pathParams = matchPath(endpoint.path, segments);
    if (!pathParams) continue;
    if (endpoint.method === method) return { endpoint, pathParams };
    methods.push(endpoint.method);
  }
  return methods.length ? { methods } : { notFound: true };
}
