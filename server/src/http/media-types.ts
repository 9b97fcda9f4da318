import type { FastifyInstance } from 'fastify';
import { ApiProblem } from './problem.js';

/** The spec's media types other than JSON: responses only (problems, CSV, event streams, YAML, text). */
export const RESPONSE_ONLY_MEDIA_TYPES = ['application/problem+json', 'text/csv', 'text/event-stream', 'text/plain', 'application/yaml'];

/**
 * Refuses a request body of a response-only media type with a 415, like any type but JSON.
 * Each is named, not left to a catch-all: fastify-openapi-glue warns at start-up about every
 * media type of the spec that has no parser of its own in the scope it routes.
 */
export function refuseResponseOnlyBodies(scope: FastifyInstance): void {
  scope.addContentTypeParser(RESPONSE_ONLY_MEDIA_TYPES, (_request, _payload, done) =>
    done(new ApiProblem(415, 'unsupported_media_type', 'Send the body as application/json.'), undefined),
  );
}
