import type { RouteHandlerMethod } from 'fastify';
import type { Services } from '../composition.js';

/** operationId → handler. Each route module returns the handlers of its operations. */
export type Handlers = Record<string, RouteHandlerMethod>;
/** A route module takes the services it uses (its parameter names a part of `Services`). */
export type RouteModule = (services: Services) => Handlers;
