import { readFileSync } from 'node:fs';
import type { ServerContext } from '../context.js';
import { STORE_RETRY_AFTER_SECONDS } from '../http/error-handler.js';
import type { Metrics } from '../metrics.js';
import type { Handlers } from './types.js';

export function operationRoutes(
  context: ServerContext,
  options: { specText: string; metrics: Metrics; version: string; isShuttingDown: () => boolean },
): Handlers {
  return {
    async getHealth() {
      return { status: 'ok', version: options.version };
    },

    async getReadiness(_request, reply) {
      const started = performance.now();
      let ok = true;
      try {
        await context.store.ping();
      } catch {
        ok = false;
      }
      const ready = ok && !options.isShuttingDown();
      if (!ready) reply.header('Retry-After', String(STORE_RETRY_AFTER_SECONDS));
      return reply.code(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'not_ready',
        store: { kind: context.store.kind, ok, latency_ms: Math.round((performance.now() - started) * 1000) / 1000 },
      });
    },

    async getMetrics(_request, reply) {
      return reply
        .type(options.metrics.registry.contentType)
        .code(200)
        .send(await options.metrics.registry.metrics());
    },

    async getOpenApi(_request, reply) {
      return reply.type('application/yaml; charset=utf-8').header('cache-control', 'public, max-age=300').code(200).send(options.specText);
    },
  };
}

export function readPackageVersion(packageJsonUrl: URL): string {
  try {
    return (JSON.parse(readFileSync(packageJsonUrl, 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}
