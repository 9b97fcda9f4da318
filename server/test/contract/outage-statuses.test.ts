/**
 * Every operation that touches the store documents the 503 a store outage answers
 * (`store_unavailable`, problem+json with Retry-After): the fuzzing and response
 * validation suites would otherwise call it undocumented.
 */
import { describe, expect, it } from 'vitest';
import { listOperations, loadSpec } from '../../src/app.js';

/** Operations served from memory: the catalog, liveness, metrics and the spec itself. */
const STORELESS = new Set(['listProducts', 'getProduct', 'getHealth', 'getMetrics', 'getOpenApi']);

describe('store outages in the contract', () => {
  const { document } = loadSpec();
  const operations = listOperations(document);

  it.each(operations.filter(({ operation }) => !STORELESS.has(operation.operationId)).map(({ operation }) => [operation.operationId, operation]))(
    '%s documents 503 with Retry-After',
    (_operationId, operation) => {
      const responses = (operation as unknown as { responses: Record<string, { $ref?: string; headers?: Record<string, unknown> }> }).responses;
      const unavailable = responses['503'];
      expect(unavailable).toBeDefined();
      if (unavailable!.$ref) expect(unavailable!.$ref).toBe('#/components/responses/ServiceUnavailable');
      else expect(unavailable!.headers).toHaveProperty('Retry-After');
    },
  );

  it('names store_unavailable among the error codes, and ServiceUnavailable carries Retry-After', () => {
    const components = document.components as {
      schemas: Record<string, { enum?: string[] }>;
      responses: Record<string, { headers?: Record<string, unknown> }>;
    };
    expect(components.schemas.ErrorCode!.enum).toContain('store_unavailable');
    expect(components.responses.ServiceUnavailable!.headers).toHaveProperty('Retry-After');
  });
});
