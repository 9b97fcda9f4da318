/**
 * What a request looks like in the logs. Fastify's own serializer logs `req.url` whole,
 * query string included, and a query can carry what must never be logged (a token a
 * client put in the URL, a cursor, a Telegram id). Here the path is logged as is and the
 * query by its parameter names: only the values of a few harmless parameters are kept.
 */
import type { FastifyRequest } from 'fastify';

/** Query parameters whose values are logged: paging sizes, dates, formats, public product ids. */
export const LOGGED_QUERY_VALUES = new Set(['limit', 'from', 'to', 'format', 'product_id']);

/** `/path?limit=20&cursor=[redacted]`: every value outside the allow-list replaced. */
export function loggableUrl(url: string): string {
  const mark = url.indexOf('?');
  if (mark === -1) return url;
  const query = url
    .slice(mark + 1)
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals === -1 ? pair : pair.slice(0, equals);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // A malformed name is logged as sent, its value never.
      }
      return LOGGED_QUERY_VALUES.has(decoded) ? pair : `${name}=[redacted]`;
    });
  return `${url.slice(0, mark)}?${query.join('&')}`;
}

export const LOG_SERIALIZERS = {
  req(request: FastifyRequest) {
    return {
      method: request.method,
      url: loggableUrl(request.url),
      host: request.host,
      remoteAddress: request.ip,
      remotePort: request.socket ? request.socket.remotePort : undefined,
    };
  },
};
