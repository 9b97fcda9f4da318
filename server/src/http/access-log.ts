/**
 * One access log line per request, written off the hot path.
 *
 * Fastify's own request logging writes two lines per request ("incoming request" and
 * "request completed"), each a synchronous write to stdout: together about 80 µs of CPU
 * on a metered call that costs a few hundred. Here each request gets one line when its
 * response has been sent, holding what the two held (the request as `log-serializers.ts`
 * shows it, the status, the time taken), and the default destination is stdout through
 * a buffer written asynchronously: lines leave in chunks of up to 4 kB, at least once a
 * second, and whatever is still buffered when the process exits is written first.
 *
 * The completed line skips pino's redaction: its fields are fixed by the serializers
 * (`log-serializers.ts`: method, path with the query redacted, host, address, port; the
 * status; the time), so none of the redacted paths can occur in it, and checking them on
 * every request cost about 3 % of a metered call's CPU. Error lines keep the redaction,
 * as an error can carry anything.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import pino from 'pino';

/** Flushes at most this long after a line was written, so a quiet server's log is still current. */
const FLUSH_EVERY_MS = 1000;

export interface BufferedDestination {
  stream: pino.DestinationStream;
  /** Writes what is buffered and stops the timer (the app's onClose). */
  close(): void;
}

/** Stdout, buffered and asynchronous (pino's sonic-boom; it flushes synchronously on exit). */
export function bufferedStdout(): BufferedDestination {
  const stream = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  const timer = setInterval(() => stream.flush(), FLUSH_EVERY_MS);
  timer.unref();
  return {
    stream,
    close() {
      clearInterval(timer);
      stream.flush();
    },
  };
}

/** Fastify's request lines, as one line per request when its response is done. */
export class OneLinePerRequest extends LogController {
  /** The app logger's child without redaction, made once (a child with `redact` compiles it): one controller serves one app, whose routes log at the app's level. */
  private unredacted: FastifyRequest['log'] | null = null;

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply): void {
    if (error) {
      reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
      return;
    }
    this.unredacted ??= request.server.log.child({}, { redact: [] });
    this.unredacted.info({ reqId: request.id, req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}
