/**
 * The contract's types alone, for packages that need the shapes of `openapi.yaml` but not
 * the client: `paths`, `components` (schemas, responses, parameters) and `operations` (by
 * operationId), as openapi-typescript generates them. Types only: importing this subpath
 * loads no code.
 *
 * @example
 * ```ts
 * import type { components, operations } from '@kikuai/sdk/contract';
 * type Balance = components['schemas']['Balance'];
 * type CreateTopupBody = operations['createTopup']['requestBody'];
 * ```
 */
export type { components, operations, paths } from './generated/schema.js';
