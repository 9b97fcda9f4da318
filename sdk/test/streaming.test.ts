import { afterEach, describe, expect, it } from 'vitest';
import { createKikuaiClient, type ServerSentEvent } from '../src/index.js';
import { gate, sendJson, startTestServer, type TestServer } from './support/test-server.js';

describe('streamed proxy calls', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('yields the first event before the server has sent the rest', async () => {
    const rest = gate();
    const order: string[] = [];
    server = await startTestServer(async (_request, response) => {
      response.writeHead(200, {
        'Content-Type': 'text/event-stream',
        'X-Request-Id': 'req_stream',
        'X-Kikuai-Cost-Micros': '1000',
        'X-Kikuai-Balance-Micros': '4000',
      });
      response.write('event: delta\ndata: {"n":1}\n\n');
      order.push('server sent first');
      await rest.promise;
      order.push('server sends rest');
      response.write('data: {"n":2}\r\n\r\n');
      response.end('data: [DONE]\n\n');
    });
    const kikuai = createKikuaiClient({ baseUrl: server.url, auth: { apiKey: 'kik_x' } });

    const stream = await kikuai.proxy.llm({ target: 'openai', model: 'gpt-4o-mini', messages: [] }, { stream: true });
    expect(stream.costMicros).toBe(1000);
    expect(stream.balanceMicros).toBe(4000);
    expect(stream.requestId).toBe('req_stream');

    const events: ServerSentEvent[] = [];
    for await (const event of stream) {
      order.push(`client got ${event.data}`);
      events.push(event);
      if (events.length === 1) rest.open();
    }

    expect(order).toEqual(['server sent first', 'client got {"n":1}', 'server sends rest', 'client got {"n":2}', 'client got [DONE]']);
    expect(events[0]).toEqual({ event: 'delta', data: '{"n":1}', id: '' });
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ target: 'openai', model: 'gpt-4o-mini', messages: [], stream: true });
    expect(server.requests[0]!.headers.accept).toContain('text/event-stream');
  });

  it('streams any product endpoint, and leaves the body as given', async () => {
    server = await startTestServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8' });
      response.end('data: a\n\n');
    });
    const kikuai = createKikuaiClient({ baseUrl: server.url, auth: { apiKey: 'kik_x' } });

    const events: ServerSentEvent[] = [];
    for await (const event of await kikuai.proxy.stream('reliapi', 'llm', { prompt: 'p' })) events.push(event);

    expect(events.map((event) => event.data)).toEqual(['a']);
    expect(server.requests[0]!.url.pathname).toBe('/api/v1/proxy/reliapi/llm');
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ prompt: 'p' });
  });

  it('yields one event with the whole body when the answer is not a stream', async () => {
    server = await startTestServer((_request, response) => sendJson(response, 200, { whole: true }));
    const kikuai = createKikuaiClient({ baseUrl: server.url, auth: { apiKey: 'kik_x' } });

    const events: ServerSentEvent[] = [];
    for await (const event of await kikuai.proxy.http({ target: 'x' }, { stream: true })) events.push(event);

    expect(events).toEqual([{ event: 'message', data: '{"whole":true}', id: '' }]);
  });

  it('closes the stream on the server when the caller aborts mid-stream', async () => {
    const closed = gate();
    server = await startTestServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/event-stream' });
      response.write('data: one\n\n');
      response.on('close', () => closed.open());
    });
    const kikuai = createKikuaiClient({ baseUrl: server.url, auth: { apiKey: 'kik_x' } });
    const controller = new AbortController();

    const stream = await kikuai.proxy.call('reliapi', 'llm', {}, { stream: true, signal: controller.signal });
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ data: 'one' });
    controller.abort();

    await expect(iterator.next()).rejects.toMatchObject({ name: 'AbortError' });
    await closed.promise;
  });
});
