import { KikuaiError } from '../errors.js';
import type { RequestOptions } from '../request-options.js';
import type { Health, Readiness } from '../types.js';
import { unwrap, type ResourceContext } from './context.js';

/**
 * Health, readiness, metrics and the OpenAPI document (no credentials needed):
 * `kikuai.operations`.
 *
 * @example
 * ```ts
 * const { status } = await kikuai.operations.readiness();
 * ```
 */
export interface OperationsResource {
  /**
   * Liveness: the process is up.
   *
   * @example
   * ```ts
   * await kikuai.operations.health(); // { status: 'ok', version: '…' }
   * ```
   */
  health(options?: RequestOptions): Promise<Health>;
  /**
   * Readiness, also when not ready (the server answers 503 with the same body).
   *
   * @example
   * ```ts
   * const { status, store } = await kikuai.operations.readiness();
   * if (status !== 'ready') console.warn(store.kind, 'is down');
   * ```
   */
  readiness(options?: RequestOptions): Promise<Readiness>;
  /**
   * The Prometheus metrics, as text.
   *
   * @example
   * ```ts
   * const text = await kikuai.operations.metrics();
   * ```
   */
  metrics(options?: RequestOptions): Promise<string>;
  /**
   * The server's OpenAPI document, as YAML text.
   *
   * @example
   * ```ts
   * const yaml = await kikuai.operations.openapi();
   * ```
   */
  openapi(options?: RequestOptions): Promise<string>;
}

export function createOperationsResource(context: ResourceContext): OperationsResource {
  const { raw } = context;
  return {
    health: (options) => unwrap(raw.GET('/healthz', context.init(options))),
    async readiness(options) {
      const { data, error, response } = await raw.GET('/readyz', context.init(options));
      if (data !== undefined) return data;
      if (response.status === 503 && typeof error === 'object' && error !== null && 'status' in error) return error as Readiness;
      throw KikuaiError.fromResponse(response, error);
    },
    metrics: async (options) => (await unwrap(raw.GET('/metrics', { parseAs: 'text', ...context.init(options) }))) ?? '',
    openapi: async (options) => (await unwrap(raw.GET('/openapi.yaml', { parseAs: 'text', ...context.init(options) }))) ?? '',
  };
}
