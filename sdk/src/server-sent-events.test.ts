import { describe, expect, it } from 'vitest';
import { parseServerSentEvents, type ServerSentEvent } from './server-sent-events.js';

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function collect(chunks: string[]): Promise<ServerSentEvent[]> {
  const events: ServerSentEvent[] = [];
  for await (const event of parseServerSentEvents(streamOf(chunks))) events.push(event);
  return events;
}

describe('server-sent events parser', () => {
  const wire =
    '\uFEFF: a comment\n\nevent: delta\ndata: first\ndata: second\nid: 1\n\ndata:no space\nretry: 2500\n\ndata\n\nid: 2\n\ndata: after empty id event\n\nevent: ignored\n\ndata: incomplete';
  const expected: ServerSentEvent[] = [
    { event: 'delta', data: 'first\nsecond', id: '1' },
    { event: 'message', data: 'no space', id: '1', retry: 2500 },
    { event: 'message', data: '', id: '1' },
    { event: 'message', data: 'after empty id event', id: '2' },
  ];

  it('parses event, multi-line data, id, retry and comments, and drops an unfinished event', async () => {
    expect(await collect([wire])).toEqual(expected);
  });

  it('gives the same events with CRLF and CR line ends', async () => {
    expect(await collect([wire.replace(/\n/g, '\r\n')])).toEqual(expected);
    expect(await collect([wire.replace(/\n/g, '\r')])).toEqual(expected);
  });

  it('gives the same events however the bytes are split, also inside a CRLF or a character', async () => {
    const bytes = new TextEncoder().encode(`${wire.replace(/\n/g, '\r\n')}\r\ndata: héllo ✓\r\n\r\n`);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const byte of bytes) controller.enqueue(new Uint8Array([byte]));
        controller.close();
      },
    });
    const events: ServerSentEvent[] = [];
    for await (const event of parseServerSentEvents(stream)) events.push(event);
    expect(events.slice(0, 4)).toEqual(expected);
    expect(events[4]).toEqual({ event: 'message', data: 'incomplete\nhéllo ✓', id: '2' });
  });

  it('cancels the stream when the loop is left early', async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('data: one\n\ndata: two\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const event of parseServerSentEvents(stream)) {
      expect(event.data).toBe('one');
      break;
    }
    expect(cancelled).toBe(true);
  });
});
