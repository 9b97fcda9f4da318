/** Every error leaves as problem+json with a stable code and the request id; never a stack trace. */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { asStoreUnavailable } from '../store/errors.js';
import type { ErrorCode } from './error-codes.js';
import { ApiProblem, PROBLEM_CONTENT_TYPE, problemBody } from './problem.js';

/** Seconds a client is asked to wait while the store is unavailable: about the time Redis takes to restart. */
export const STORE_RETRY_AFTER_SECONDS = 3;

/** The answer while the store is down: 503, nothing was charged, retry shortly. */
export function storeUnavailableProblem(): ApiProblem {
  return new ApiProblem(
    503,
    'store_unavailable',
    'kikuai is briefly unavailable (its data store does not answer). Nothing was charged.',
    {},
    { 'Retry-After': String(STORE_RETRY_AFTER_SECONDS) },
  );
}

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

function describeValidation(error: FastifyError): { detail: string; errors: Array<{ path: string; message: string }> } {
  const context = (error as FastifyError & { validationContext?: string }).validationContext ?? 'body';
  const issues = (error.validation ?? []) as ValidationIssue[];
  const errors = issues.map((issue) => {
    let path = `${context}${issue.instancePath ?? ''}`;
    let message = issue.message ?? 'is invalid';
    const extra = issue.params?.additionalProperty;
    if (typeof extra === 'string') {
      path = `${path}/${extra}`;
      message = 'is not a known field';
    }
    return { path, message };
  });
  const first = errors[0];
  return { detail: first ? `${first.path} ${first.message}.` : 'The request is invalid.', errors };
}

export function sendProblem(reply: FastifyReply, problem: ApiProblem): FastifyReply {
  for (const [name, value] of Object.entries(problem.headers)) reply.header(name, value);
  return reply
    .code(problem.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(problem.body(String(reply.request.id)));
}

/**
 * One warning per outage second, not one per request: an outage under load would
 * otherwise write thousands. Only the store's message (never a command's arguments).
 */
let lastOutageLogMs = 0;
let outagesUnlogged = 0;
function logOutage(request: FastifyRequest, store: string, reason: string): void {
  const now = Date.now();
  if (now - lastOutageLogMs < 1000) {
    outagesUnlogged++;
    return;
  }
  request.log.warn({ store, reason, requests_since_last_line: outagesUnlogged }, 'store unavailable: answered 503');
  lastOutageLogMs = now;
  outagesUnlogged = 0;
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof ApiProblem) return sendProblem(reply, error);
    if (error.validation) {
      const { detail, errors } = describeValidation(error);
      return sendProblem(reply, new ApiProblem(400, 'validation_failed', detail, { errors }));
    }
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendProblem(reply, new ApiProblem(413, 'payload_too_large', 'The request body is larger than this endpoint accepts.'));
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendProblem(reply, new ApiProblem(415, 'unsupported_media_type', 'Send the body as application/json.'));
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return sendProblem(reply, new ApiProblem(400, 'malformed_json', 'The body is not valid JSON.'));
      default:
        break;
    }
    if (error instanceof SyntaxError || error.statusCode === 400) {
      return sendProblem(reply, new ApiProblem(400, 'malformed_json', 'The body is not valid JSON.'));
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      const code =
        error.statusCode === 404
          ? 'not_found'
          : error.statusCode === 413
            ? 'payload_too_large'
            : error.statusCode === 415
              ? 'unsupported_media_type'
              : 'validation_failed';
      return sendProblem(reply, new ApiProblem(error.statusCode, code, 'The request could not be accepted.'));
    }
    const outage = asStoreUnavailable(error);
    if (outage) {
      logOutage(request, outage.store, outage.message);
      return sendProblem(reply, storeUnavailableProblem());
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(reply, new ApiProblem(500, 'internal_error', `Something went wrong on our side. Quote request id ${request.id} to support.`));
  });

  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .type(PROBLEM_CONTENT_TYPE)
      .send(problemBody(404, 'route_not_found', `There is no ${request.method} ${request.url.split('?')[0]}. See /docs for the API.`, String(request.id))),
  );
}

export { problemBody };

/**
 * Errors of the router, before any route runs (Fastify's `frameworkErrors`): a path that
 * does not decode, or a path parameter longer than any id. Both are malformed requests:
 * 400 problem+json, like any other invalid parameter, instead of Fastify's own JSON.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.header('X-Request-Id', request.id);
  const detail =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A path parameter is longer than any id.' : 'The URL is malformed (a path segment does not decode).';
  void sendProblem(reply, new ApiProblem(400, 'validation_failed', detail));
}

/**
 * Errors of Node's HTTP parser, before Fastify sees a request (Fastify's
 * `clientErrorHandler`): headers or URL too large (431), a request that is not HTTP
 * (400), one that took too long to arrive (408). Answered as problem+json too, then the
 * connection is closed, as Node does.
 */
export function clientErrorHandler(nextRequestId: () => string) {
  return function handleClientError(error: NodeJS.ErrnoException, socket: Socket): void {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, code, detail]: [number, ErrorCode, string] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'headers_too_large', 'The request line and headers are larger than the server accepts (16 KiB). Send a shorter URL or fewer headers.']
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'request_timeout', 'The request did not arrive in time.']
          : [400, 'malformed_request', 'The request is not valid HTTP/1.1.'];
    const requestId = nextRequestId();
    const body = JSON.stringify(problemBody(status, code, detail, requestId));
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy(error);
  };
}
