import type { FastifyReply } from 'fastify';

declare const sentBody: unique symbol;
/**
 * A reply already sent with a body of type `Body`. A handler that sends itself (another
 * status, another media type, a kept idempotent answer) returns one, so that its type
 * still says what went out (`routes/types.ts`). At run time it is the reply itself, which
 * Fastify knows as sent; its type is not a FastifyReply, which is thenable and so would
 * say nothing once awaited.
 */
export interface Sent<Body> {
  readonly [sentBody]: Body;
}

/** Sends `body` with `status`. */
export function sent<Body>(reply: FastifyReply, status: number, body: Body): Sent<Body> {
  return reply.code(status).send(body) as unknown as Sent<Body>;
}
