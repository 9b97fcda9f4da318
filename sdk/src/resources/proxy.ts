import { KikuaiError } from '../errors.js';
import type { RequestOptions } from '../request-options.js';
import { parseServerSentEvents, type ServerSentEvent } from '../server-sent-events.js';
import type { HttpProxyRequest, LlmChatCompletion, LlmChatCompletionChunk, LlmChatRequest, ProxyRequestBody, RouteLlmRequest } from '../types.js';
import type { ResourceContext } from './context.js';

/**
 * Options of a proxy call: {@link RequestOptions} plus `stream`. Proxy calls are charged,
 * so they are never retried automatically unless you pass an `idempotencyKey`.
 *
 * @example
 * ```ts
 * import type { ProxyCallOptions } from '@kikuai/sdk';
 * const options: ProxyCallOptions = { stream: true, signal: AbortSignal.timeout(120_000) };
 * ```
 */
export interface ProxyCallOptions extends RequestOptions {
  /** Ask for `text/event-stream` and return a {@link ProxyStream} instead of parsed JSON. */
  stream?: boolean;
}

/**
 * What the metering headers of a proxy answer say.
 *
 * @example
 * ```ts
 * import type { ProxyMetering } from '@kikuai/sdk';
 * function logCost({ costMicros, balanceMicros, requestId }: ProxyMetering) {
 *   console.log(`${requestId}: cost ${costMicros} µUSD, balance ${balanceMicros} µUSD`);
 * }
 * ```
 */
export interface ProxyMetering {
  /** The HTTP status. */
  status: number;
  /** `X-Request-Id`. */
  requestId: string | undefined;
  /** `X-Kikuai-Cost-Micros`: what the call cost in micro-USD (0 when refunded), or null when absent. */
  costMicros: number | null;
  /** `X-Kikuai-Balance-Micros`: the balance after the charge in micro-USD, or null when absent. */
  balanceMicros: number | null;
  /** All response headers. */
  headers: Headers;
}

/**
 * A proxy answer: the upstream's parsed JSON (or text when it is not JSON) and the
 * metering headers.
 *
 * @example
 * ```ts
 * import type { ProxyResult } from '@kikuai/sdk';
 * type Chat = { choices: { message: { content: string } }[] };
 * const result: ProxyResult<Chat> = await kikuai.proxy.llm<Chat>({ target: 'openai', model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
 * console.log(result.data.choices[0]?.message.content, result.costMicros);
 * ```
 */
export interface ProxyResult<T = unknown> extends ProxyMetering {
  /** The upstream's body: parsed JSON, or text. */
  data: T;
}

/**
 * A streamed proxy answer: the metering headers at once, then each server-sent event as
 * it arrives (`for await`). Breaking out of the loop, or the request's `signal`, closes
 * the stream. It can be iterated once. An answer that is not `text/event-stream` yields one
 * event with the whole body.
 *
 * @example
 * ```ts
 * const stream = await kikuai.proxy.llm({ target: 'openai', model: 'gpt-4o-mini', messages }, { stream: true });
 * console.log('charged', stream.costMicros);
 * for await (const event of stream) {
 *   if (event.data === '[DONE]') break;
 *   process.stdout.write(JSON.parse(event.data).choices[0]?.delta?.content ?? '');
 * }
 * ```
 */
export interface ProxyStream extends ProxyMetering, AsyncIterable<ServerSentEvent> {
  /** The response, whose body the iterator reads. */
  response: Response;
}

/**
 * A streamed chat answer from `kikuai.proxy.llm(…, { stream: true })`: the metering headers
 * at once, then each chunk parsed from its server-sent event as it arrives, until the
 * target's `[DONE]`. Breaking out of the loop, or the request's `signal`, closes the stream;
 * it can be iterated once. An event whose data is not JSON rejects the loop with a
 * `SyntaxError`. A target that ignores `stream` and answers with one whole completion
 * yields it as one chunk, its `message` as the `delta`.
 *
 * @example
 * ```ts
 * const stream = await kikuai.proxy.llm({ target: 'openai', model: 'gpt-4o-mini', messages }, { stream: true });
 * for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta.content ?? '');
 * console.log('\ncharged', stream.costMicros);
 * ```
 */
export interface LlmChatStream extends ProxyMetering, AsyncIterable<LlmChatCompletionChunk> {
  /** The response, whose body the iterator reads. */
  response: Response;
}

/**
 * Metered calls to product APIs, paid from the balance (API key callers): `kikuai.proxy`.
 * Errors throw {@link KikuaiError}, with `costMicros` when the upstream refused and the
 * call was charged.
 *
 * @example
 * ```ts
 * const { data, costMicros, balanceMicros } = await kikuai.proxy.call('reliapi', 'http', { target: 'example', method: 'GET', path: '/status' });
 * ```
 */
export interface ProxyResource {
  /**
   * ReliAPI's LLM proxy (`reliapi`/`llm`), OpenAI-compatible chat: `data` is a
   * {@link LlmChatCompletion}. With `{ stream: true }` the body gets `stream: true` too
   * (unless it sets `stream` itself) and a {@link LlmChatStream} of parsed chunks is returned.
   *
   * @example
   * ```ts
   * const { data } = await kikuai.proxy.llm({ target: 'openai', model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] });
   * console.log(data.choices[0]?.message.content);
   * for await (const chunk of await kikuai.proxy.llm({ target: 'openai', model: 'gpt-4o-mini', messages }, { stream: true })) {
   *   process.stdout.write(chunk.choices[0]?.delta.content ?? '');
   * }
   * ```
   */
  llm(body: LlmChatRequest, options: ProxyCallOptions & { stream: true }): Promise<LlmChatStream>;
  llm<T = LlmChatCompletion>(body: LlmChatRequest, options?: ProxyCallOptions & { stream?: false }): Promise<ProxyResult<T>>;
  /**
   * RouteLLM (`routellm`/`route`): an OpenAI-compatible chat that RouteLLM sends to the best
   * provider, falling back when one fails; `data` is a {@link LlmChatCompletion}, its `model`
   * the one that answered. With `{ stream: true }` the body gets `stream: true` too (unless it
   * sets `stream` itself) and a {@link LlmChatStream} of parsed chunks is returned, as for `llm`.
   *
   * @example
   * ```ts
   * const { data } = await kikuai.proxy.routellm({ model: 'auto', messages: [{ role: 'user', content: 'Hello' }] });
   * console.log(data.model, data.choices[0]?.message.content);
   * for await (const chunk of await kikuai.proxy.routellm({ model: 'auto', messages }, { stream: true })) {
   *   process.stdout.write(chunk.choices[0]?.delta.content ?? '');
   * }
   * ```
   */
  routellm(body: RouteLlmRequest, options: ProxyCallOptions & { stream: true }): Promise<LlmChatStream>;
  routellm<T = LlmChatCompletion>(body: RouteLlmRequest, options?: ProxyCallOptions & { stream?: false }): Promise<ProxyResult<T>>;
  /**
   * ReliAPI's HTTP proxy (`reliapi`/`http`).
   *
   * @example
   * ```ts
   * const { data, costMicros } = await kikuai.proxy.http({ target: 'example', method: 'GET', path: '/status' });
   * ```
   */
  http(body: HttpProxyRequest, options: ProxyCallOptions & { stream: true }): Promise<ProxyStream>;
  http<T = unknown>(body: HttpProxyRequest, options?: ProxyCallOptions & { stream?: false }): Promise<ProxyResult<T>>;
  /**
   * Any product endpoint: `POST /api/v1/proxy/{product_id}/{endpoint_id}`.
   *
   * @example
   * ```ts
   * const { data } = await kikuai.proxy.call('routellm', 'route', { model: 'auto', messages: [] });
   * const stream = await kikuai.proxy.call('routellm', 'route', { model: 'auto', messages: [], stream: true }, { stream: true });
   * ```
   */
  call(productId: string, endpointId: string, body: ProxyRequestBody, options: ProxyCallOptions & { stream: true }): Promise<ProxyStream>;
  call<T = unknown>(productId: string, endpointId: string, body: ProxyRequestBody, options?: ProxyCallOptions & { stream?: false }): Promise<ProxyResult<T>>;
  /**
   * Any product endpoint, streamed: the same as `call(…, { stream: true })`.
   *
   * @example
   * ```ts
   * const stream = await kikuai.proxy.stream('reliapi', 'llm', { target: 'openai', model: 'gpt-4o-mini', messages, stream: true });
   * for await (const { event, data } of stream) console.log(event, data);
   * ```
   */
  stream(productId: string, endpointId: string, body: ProxyRequestBody, options?: RequestOptions): Promise<ProxyStream>;
}

function readMicros(headers: Headers, name: string): number | null {
  const value = headers.get(name);
  return value !== null && /^[0-9]+$/.test(value) ? Number(value) : null;
}

function metering(response: Response): ProxyMetering {
  return {
    status: response.status,
    requestId: response.headers.get('X-Request-Id') ?? undefined,
    costMicros: readMicros(response.headers, 'X-Kikuai-Cost-Micros'),
    balanceMicros: readMicros(response.headers, 'X-Kikuai-Balance-Micros'),
    headers: response.headers,
  };
}

function isEventStream(response: Response): boolean {
  return (response.headers.get('Content-Type') ?? '').toLowerCase().startsWith('text/event-stream');
}

function parseChunk(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    throw new SyntaxError(`The chat stream sent an event that is not JSON: ${data.slice(0, 200)}`);
  }
}

/** The chunks of a chat answer: each event's JSON until `[DONE]`, or a whole completion as one chunk. */
async function* chatChunks(response: Response, body: ReadableStream<Uint8Array> | null): AsyncGenerator<LlmChatCompletionChunk, void, undefined> {
  if (!body) return;
  if (!isEventStream(response)) {
    const completion = parseChunk(await new Response(body).text()) as LlmChatCompletion;
    if (!Array.isArray(completion.choices)) return yield completion as unknown as LlmChatCompletionChunk;
    yield {
      ...completion,
      choices: completion.choices.map(({ message, ...choice }) => ({ ...choice, delta: { ...message, content: message.content as string | null } })),
    };
    return;
  }
  for await (const event of parseServerSentEvents(body)) {
    if (event.data.trim() === '[DONE]') return;
    yield parseChunk(event.data) as LlmChatCompletionChunk;
  }
}

async function* singleEvent(body: ReadableStream<Uint8Array> | null): AsyncGenerator<ServerSentEvent, void, undefined> {
  const text = body ? await new Response(body).text() : '';
  yield { event: 'message', data: text, id: '' };
}

type Target = { kind: 'llm' } | { kind: 'http' } | { kind: 'call'; productId: string; endpointId: string };

export function createProxyResource(context: ResourceContext): ProxyResource {
  const { raw } = context;

  /** `chat`: the endpoint's body and answer are OpenAI-compatible chat, so its stream is parsed into chunks. */
  async function send(
    target: Target,
    body: ProxyRequestBody,
    options: ProxyCallOptions | undefined,
    chat = target.kind === 'llm',
  ): Promise<ProxyResult | ProxyStream | LlmChatStream> {
    const streaming = options?.stream === true;
    // A chat asked to stream tells the upstream too, unless the body says otherwise.
    const sent = chat && streaming && body.stream === undefined ? { ...body, stream: true } : body;
    const init = context.init(options);
    const headers = { Accept: streaming ? 'text/event-stream, application/json' : 'application/json', ...init.headers };
    const request = { ...init, headers, parseAs: 'stream' as const };
    const result =
      target.kind === 'llm'
        ? await raw.POST('/api/v1/proxy/llm', { ...request, body: sent as LlmChatRequest })
        : target.kind === 'http'
          ? await raw.POST('/api/v1/proxy/http', { ...request, body: sent as HttpProxyRequest })
          : await raw.POST('/api/v1/proxy/{product_id}/{endpoint_id}', {
              ...request,
              params: { path: { product_id: target.productId, endpoint_id: target.endpointId } },
              body: sent,
            });
    const { response } = result;
    if (result.error !== undefined || !response.ok) throw KikuaiError.fromResponse(response, result.error);
    const stream = (result.data ?? null) as ReadableStream<Uint8Array> | null;
    if (streaming && chat) {
      return { ...metering(response), response, [Symbol.asyncIterator]: () => chatChunks(response, stream) };
    }
    if (streaming) {
      return {
        ...metering(response),
        response,
        [Symbol.asyncIterator]: () => (stream && isEventStream(response) ? parseServerSentEvents(stream) : singleEvent(stream)),
      };
    }
    const text = stream ? await new Response(stream).text() : '';
    let data: unknown = text;
    if ((response.headers.get('Content-Type') ?? '').includes('json') && text !== '') data = JSON.parse(text);
    return { ...metering(response), data };
  }

  return {
    llm: ((body: LlmChatRequest, options?: ProxyCallOptions) => send({ kind: 'llm' }, body, options)) as ProxyResource['llm'],
    routellm: ((body: RouteLlmRequest, options?: ProxyCallOptions) =>
      send({ kind: 'call', productId: 'routellm', endpointId: 'route' }, body, options, true)) as ProxyResource['routellm'],
    http: ((body: HttpProxyRequest, options?: ProxyCallOptions) => send({ kind: 'http' }, body, options)) as ProxyResource['http'],
    call: ((productId: string, endpointId: string, body: ProxyRequestBody, options?: ProxyCallOptions) =>
      send({ kind: 'call', productId, endpointId }, body, options)) as ProxyResource['call'],
    stream: (productId, endpointId, body, options) => send({ kind: 'call', productId, endpointId }, body, { ...options, stream: true }) as Promise<ProxyStream>,
  };
}
