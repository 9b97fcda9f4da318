/**
 * The proxy's types, proved by the compiler: `npm run typecheck -w @kikuai/sdk` fails when a
 * `@ts-expect-error` below stops being an error. The calls never run (a client with no server).
 */
import { describe, expectTypeOf, it } from 'vitest';
import {
  createKikuaiClient,
  type HttpProxyRequest,
  type LlmChatCompletion,
  type LlmChatCompletionChunk,
  type LlmChatRequest,
  type LlmChatStream,
  type ProxyResult,
  type ProxyStream,
  type RouteLlmRequest,
  type ServerSentEvent,
} from '../src/index.js';

const kikuai = createKikuaiClient({ baseUrl: 'http://127.0.0.1:9', auth: { apiKey: 'kik_x' } });
const messages: LlmChatRequest['messages'] = [{ role: 'user', content: 'Hello' }];

describe('proxy types', () => {
  it('refuses a chat request without its model or messages', () => {
    expectTypeOf<{ target: 'openai' }>().not.toExtend<LlmChatRequest>();
    expectTypeOf<{ target: 'openai'; model: string }>().not.toExtend<LlmChatRequest>();
    expectTypeOf<{ target: 'openai'; model: string; messages: typeof messages }>().toExtend<LlmChatRequest>();
    // The target's own options pass through.
    expectTypeOf<{ target: 'openai'; model: string; messages: typeof messages; seed: number }>().toExtend<LlmChatRequest>();

    const refused = () => {
      // @ts-expect-error model and messages are required
      void kikuai.proxy.llm({ target: 'openai' });
      // @ts-expect-error messages are required
      void kikuai.proxy.llm({ target: 'openai', model: 'gpt-4o-mini' });
      // @ts-expect-error a role the chat does not know
      void kikuai.proxy.llm({ target: 'openai', model: 'gpt-4o-mini', messages: [{ role: 'robot', content: 'Hi' }] });
      // @ts-expect-error the HTTP proxy needs a method and a path
      void kikuai.proxy.http({ target: 'example' });
    };
    expectTypeOf(refused).toBeFunction();
  });

  it("types RouteLLM's route: a chat body without target, answered by a chat completion", () => {
    expectTypeOf<{ model: 'auto'; messages: typeof messages }>().toExtend<RouteLlmRequest>();
    expectTypeOf<{ model: 'auto' }>().not.toExtend<RouteLlmRequest>();
    expectTypeOf<{ messages: typeof messages }>().not.toExtend<RouteLlmRequest>();

    const call = () => kikuai.proxy.routellm({ model: 'auto', messages });
    expectTypeOf(call).returns.resolves.toEqualTypeOf<ProxyResult<LlmChatCompletion>>();
    const stream = () => kikuai.proxy.routellm({ model: 'auto', messages }, { stream: true });
    expectTypeOf(stream).returns.resolves.toEqualTypeOf<LlmChatStream>();

    const refused = () => {
      // @ts-expect-error messages are required
      void kikuai.proxy.routellm({ model: 'auto' });
      // @ts-expect-error the model is required
      void kikuai.proxy.routellm({ messages });
      // @ts-expect-error messages are chat messages, not strings
      void kikuai.proxy.routellm({ model: 'auto', messages: ['Hello'] });
      // @ts-expect-error a role the chat does not know
      void kikuai.proxy.routellm({ model: 'auto', messages: [{ role: 'robot', content: 'Hi' }] });
      // @ts-expect-error the model is a string
      void kikuai.proxy.routellm({ model: 4, messages });
    };
    expectTypeOf(refused).toBeFunction();
  });

  it('types the answer as a chat completion, and a stream as parsed chunks', () => {
    const call = () => kikuai.proxy.llm({ target: 'openai', model: 'gpt-4o-mini', messages });
    expectTypeOf(call).returns.resolves.toEqualTypeOf<ProxyResult<LlmChatCompletion>>();
    expectTypeOf<LlmChatCompletion['choices'][number]['message']['content']>().toExtend<string | unknown[] | null>();

    const stream = () => kikuai.proxy.llm({ target: 'openai', model: 'gpt-4o-mini', messages }, { stream: true });
    expectTypeOf(stream).returns.resolves.toEqualTypeOf<LlmChatStream>();
    expectTypeOf<LlmChatStream>().toExtend<AsyncIterable<LlmChatCompletionChunk>>();
    expectTypeOf<LlmChatCompletionChunk['choices'][number]['delta']['content']>().toEqualTypeOf<string | null | undefined>();

    // Any other endpoint streams raw server-sent events.
    const raw = () => kikuai.proxy.stream('routellm', 'route', { model: 'auto' });
    expectTypeOf(raw).returns.resolves.toEqualTypeOf<ProxyStream>();
    expectTypeOf<ProxyStream>().toExtend<AsyncIterable<ServerSentEvent>>();
    expectTypeOf<{ target: 'example'; method: 'GET'; path: '/status' }>().toExtend<HttpProxyRequest>();
  });
});
