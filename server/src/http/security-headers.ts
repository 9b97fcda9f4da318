/**
 * Security headers, as helmet decides them, computed once at start-up. @fastify/helmet
 * runs helmet's middleware on every request; with a static policy the headers never
 * change, so the hot path only copies a frozen object (measured: the plugin cost more
 * than a third of the throughput of a route that does nothing else).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * Of helmet's headers, those that mean something on any response (JSON, CSV, YAML).
 * The others (opener and agent-cluster policies, DNS prefetch, download and
 * cross-domain policies, the legacy XSS filter) govern how a browser treats a
 * document: they go on the pages only, which spares every API response six headers.
 */
const FOR_EVERY_RESPONSE = new Set(['strict-transport-security', 'x-content-type-options', 'referrer-policy', 'cross-origin-resource-policy']);

export interface SecurityHeaders {
  /** On every response. */
  everyResponse: Readonly<Record<string, string>>;
  /** On pages (HTML documents), in addition. */
  documents: Readonly<Record<string, string>>;
}

export function securityHeaders(options: Readonly<HelmetOptions>): SecurityHeaders {
  const all = helmetHeaders(options);
  const pick = (keep: boolean) => Object.freeze(Object.fromEntries(Object.entries(all).filter(([name]) => FOR_EVERY_RESPONSE.has(name) === keep)));
  return { everyResponse: pick(true), documents: pick(false) };
}

function helmetHeaders(options: Readonly<HelmetOptions>): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  } as unknown as ServerResponse;
  let done = false;
  helmet(options)({} as IncomingMessage, response, () => {
    done = true;
  });
  if (!done) throw new Error('helmet did not apply its headers synchronously: use a static policy');
  return Object.freeze(headers);
}
