/**
 * Proxy request bodies are streamed to the upstream, never buffered: a 50 MB body must
 * not cost 50 MB of memory, and a small one must not pay for parsing. The metered proxy's
 * operations are therefore routed in their own encapsulated context (`app.ts`), whose
 * JSON "parser" reads nothing: it hands Fastify an empty stand-in body (which satisfies
 * the spec's free-form `ProxyRequestBody`) and leaves `request.raw` unread for the
 * handler to stream. The product's own `max_body_bytes` is enforced by the proxy: from
 * Content-Length before anything is charged, and while it streams a chunked body.
 */
import type { FastifyInstance } from 'fastify';
import { refuseResponseOnlyBodies } from '../http/media-types.js';
import { ApiProblem } from '../http/problem.js';

const STAND_IN_BODY = Object.freeze({});

export function leaveBodiesUnread(scope: FastifyInstance): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('application/json', (_request, _payload, done) => done(null, STAND_IN_BODY));
  refuseResponseOnlyBodies(scope);
  // Like the rest of the API: a body that is not JSON is refused before anything is charged.
  scope.addContentTypeParser('*', (_request, _payload, done) =>
    done(new ApiProblem(415, 'unsupported_media_type', 'Send the body as application/json.'), undefined),
  );
}
