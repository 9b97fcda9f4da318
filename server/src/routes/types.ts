import type { RouteHandlerMethod } from 'fastify';
import type { ServerContext } from '../context.js';

/** operationId → handler. Each route module returns the handlers of its operations. */
export type Handlers = Record<string, RouteHandlerMethod>;
export type RouteModule = (context: ServerContext) => Handlers;
