/**
 * One server-sent event, as the WHATWG HTML standard defines its parsing: `event`
 * (`message` when the stream names none), `data` (lines joined with `\n`), the last
 * event `id` seen on the stream, and `retry` when this event set one.
 *
 * @example
 * ```ts
 * import type { ServerSentEvent } from '@kikuai/sdk';
 * function onEvent(event: ServerSentEvent) {
 *   if (event.data !== '[DONE]') console.log(event.event, JSON.parse(event.data));
 * }
 * ```
 */
export interface ServerSentEvent {
  /** The event type; `message` unless an `event:` field named another. */
  event: string;
  /** The data lines of the event, joined with `\n`. */
  data: string;
  /** The last event id of the stream (`id:` fields persist across events), or `''`. */
  id: string;
  /** The reconnection time in milliseconds, when this event carried a `retry:` field. */
  retry?: number;
}

/**
 * Parses a `text/event-stream` body, yielding each event as soon as its closing blank
 * line arrives. Handles LF, CR and CRLF line ends (also split across chunks), multi-line
 * `data`, comments (`:` lines), `id` and `retry`. An incomplete event at the end of the
 * stream is discarded, as the standard says. Breaking out of the loop cancels the stream.
 *
 * @example
 * ```ts
 * import { parseServerSentEvents } from '@kikuai/sdk';
 * const response = await fetch('https://example.com/events');
 * for await (const event of parseServerSentEvents(response.body!)) {
 *   console.log(event.event, event.data);
 * }
 * ```
 */
export async function* parseServerSentEvents(stream: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent, void, undefined> {
  const reader = stream.getReader();
  const decoder = new TextDecoder('utf-8');
  let buffer = '';
  let data = '';
  let eventType = '';
  let lastEventId = '';
  let retry: number | undefined;
  let finished = false;

  function* processLine(line: string): Generator<ServerSentEvent> {
    if (line === '') {
      if (data !== '') {
        const event: ServerSentEvent = { event: eventType || 'message', data: data.slice(0, -1), id: lastEventId };
        if (retry !== undefined) event.retry = retry;
        yield event;
      }
      data = '';
      eventType = '';
      retry = undefined;
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data += `${value}\n`;
    else if (field === 'event') eventType = value;
    else if (field === 'id') {
      if (!value.includes('\u0000')) lastEventId = value;
    } else if (field === 'retry' && /^[0-9]+$/.test(value)) retry = Number(value);
  }

  try {
    while (!finished) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        buffer += decoder.decode();
      } else {
        buffer += decoder.decode(value, { stream: true });
      }
      let start = 0;
      for (;;) {
        let end = start;
        while (end < buffer.length && buffer[end] !== '\n' && buffer[end] !== '\r') end += 1;
        if (end >= buffer.length) break;
        // A CR at the end of what has arrived may be the first half of a CRLF.
        if (buffer[end] === '\r' && end === buffer.length - 1 && !finished) break;
        const line = buffer.slice(start, end);
        start = buffer[end] === '\r' && buffer[end + 1] === '\n' ? end + 2 : end + 1;
        yield* processLine(line);
      }
      buffer = buffer.slice(start);
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
