import { afterEach, describe, expect, it } from 'vitest';
import { createKikuaiClient, type LlmChatCompletionChunk, type ServerSentEvent } from '../src/index.js';
import { gate, sendJson, startTestServer, type TestServer } from './support/test-server.js';

describe('streamed proxy calls', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  /** An OpenAI-style chunk carrying `content`, as a server-sent event's data. */
  const chunk = (content: string) =>
    JSON.stringify({
      id: 'chatcmpl-1',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, delta: { content }, finish_reason: null }],
    });

  it('yields each chat chunk parsed, the first before the server has sent the rest, and stops at [DONE]', async () => {
    const rest = gate();
    const order: string[] = [];
    server = await startTestServer(async (_request, response) => {
      response.writeHead(200, {
        'Content-Type': 'text/event-stream',
        'X-Request-Id': 'req_stream',
        'X-Kikuai-Cost-Micros': '1000',
        'X-Kikuai-Balance-Micros': '4000',
      });
      response.write(`data: ${chunk('Hel')}\n\n`);
      order.push('server sent first');
      await rest.promise;
      order.push('server sends rest');
      response.write(`: keep-alive\r\n\r\ndata: ${chunk('lo')}\r\n\r\n`);
      response.end('data: [DONE]\n\n');
    });
    const kikuai = createKikuaiClient({ baseUrl: server.url, auth: { apiKey: 'kik_x' } });

    const stream = await kikuai.proxy.llm({ target: 'openai', model: 'gpt-4o-mini', messages: [] }, { stream: true });
    expect(stream.costMicros).toBe(1000);
    expect(stream.balanceMicros).toBe(4000);
    expect(stream.requestId).toBe('req_stream');

    const chunks: LlmChatCompletionChunk[] = [];
    for await (const received of stream) {
      const text: string | null | undefined = received.choices[0]?.delta.content;
      order.push(`client got ${text}`);
      chunks.push(received);
      if (chunks.length === 1) rest.open();
    }

    expect(order).toEqual(['server sent first', 'client got Hel', 'server sends rest', 'client got lo']);
    expect(chunks[0]).toEqual(JSON.parse(chunk('Hel')));
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ target: 'openai', model: 'gpt-4o-mini', messages: [], stream: true });
    expect(server.requests[0]!.headers.accept).toContain('text/event-stream');
  });

  it('rejects the loop with a SyntaxError when a chat event is not JSON', async () => {
    server = await startTestServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/event-stream' });
      response.end(`data: ${chunk('ok')}\n\ndata: not json\n\n`);
    });
    const kikuai = createKikuaiClient({ baseUrl: server.url, auth: { apiKey: 'kik_x' } });

    const texts: string[] = [];
    const reading = (async () => {
      for await (const received of await kikuai.proxy.llm({ target: 'openai', model: 'm', messages: [] }, { stream: true })) {
        texts.push(received.choices[0]?.delta.content ?? '');
      }
    })();

    await expect(reading).rejects.toThrow(new SyntaxError('The chat stream sent an event that is not JSON: not json'));
    expect(texts).toEqual(['ok']);
  });

  it('yields a whole completion as one chunk when the target answers without streaming', async () => {
    const completion = {
      id: 'chatcmpl-2',
      object: 'chat.completion',
      created: 1,
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: 'whole' }, finish_reason: 'stop' }],
    };
    server = await startTestServer((_request, response) => sendJson(response, 200, completion));
    const kikuai = createKikuaiClient({ baseUrl: server.url, auth: { apiKey: 'kik_x' } });

    const chunks: LlmChatCompletionChunk[] = [];
    for await (const received of await kikuai.proxy.llm({ target: 'openai', model: 'm', messages: [] }, { stream: true })) chunks.push(received);

    expect(chunks).toEqual([{ ...completion, choices: [{ index: 0, delta: { role: 'assistant', content: 'whole' }, finish_reason: 'stop' }] }]);
  });

  it("streams RouteLLM's chat as parsed chunks from routellm/route, asking the upstream to stream", async () => {
    server = await startTestServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/event-stream', 'X-Kikuai-Cost-Micros': '2000' });
      response.end(`data: ${chunk('Hi')}\n\ndata: [DONE]\n\n`);
    });
    const kikuai = createKikuaiClient({ baseUrl: server.url, auth: { apiKey: 'kik_x' } });

    const stream = await kikuai.proxy.routellm({ model: 'auto', messages: [{ role: 'user', content: 'Hello' }] }, { stream: true });
    const texts: (string | null | undefined)[] = [];
    for await (const received of stream) texts.push(received.choices[0]?.delta.content);

    expect(texts).toEqual(['Hi']);
    expect(stream.costMicros).toBe(2000);
    expect(server.requests[0]!.url.pathname).toBe('/api/v1/proxy/routellm/route');
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ model: 'auto', messages: [{ role: 'user', content: 'Hello' }], stream: true });
  });

  it("answers RouteLLM's whole completion as typed data when not streaming", async () => {
    const completion = {
      id: 'chatcmpl-3',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: 'routed' }, finish_reason: 'stop' }],
    };
    server = await startTestServer((_request, response) => sendJson(response, 200, completion));
    const kikuai = createKikuaiClient({ baseUrl: server.url, auth: { apiKey: 'kik_x' } });

    const { data } = await kikuai.proxy.routellm({ model: 'auto', messages: [] });

    expect(data.model).toBe('gpt-4o-mini');
    expect(data.choices[0]?.message.content).toBe('routed');
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ model: 'auto', messages: [] });
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
    for await (const event of await kikuai.proxy.http({ target: 'x', method: 'GET', path: '/' }, { stream: true })) events.push(event);

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
