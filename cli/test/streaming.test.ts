/**
 * Proxied answers reach the terminal as they arrive: the fake upstream sends the first
 * event and holds the rest back until the test has seen that event on the CLI's stdout.
 * A CLI that buffered the answer would never print it, and the test would time out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAs } from './support/spec-schemas.js';
import { runCli, tempConfigDir } from './support/run-cli.js';
import { PRICE_MICROS, startWorld, type World } from './support/world.js';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/** Options for runCli that open `gate` once stdout so far contains `text`. */
function openWhenPrinted(text: string, gate: { open: () => void }) {
  let stdoutSoFar = '';
  return {
    onStdout(printed: string) {
      stdoutSoFar += printed;
      if (stdoutSoFar.includes(text)) gate.open();
    },
  };
}

const chunk = (content: string) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content } }] })}\n\n`;

describe('kikuai: streamed answers', { timeout: 120_000 }, () => {
  let world: World;
  let config: ReturnType<typeof tempConfigDir>;
  let user: { apiKey: string };
  const kikuai = (args: string[], options: Parameters<typeof runCli>[1] = {}) =>
    runCli(args, { ...options, env: { KIKUAI_CONFIG_DIR: config.dir, KIKUAI_BASE_URL: world.server.url, KIKUAI_API_KEY: user.apiKey, ...options.env } });

  beforeAll(async () => {
    world = await startWorld();
    config = tempConfigDir();
    user = await world.account(1_000_000);
  });
  afterAll(async () => {
    await world?.close();
    config?.cleanup();
  });

  it('call prints server-sent events as they arrive, then cost and balance on stderr', async () => {
    const seenFirst = gate();
    world.upstream.handle = async (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('event: progress\ndata: {"step":1}\n\n');
      await seenFirst.opened;
      response.write('data: {"step":2}\n\n');
      response.end('data: [DONE]\n\n');
    };
    const result = await kikuai(['call', 'reliapi', 'llm', '--data', '{"model":"m","messages":[],"stream":true}'], openWhenPrinted('{"step":1}', seenFirst));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('event: progress\n{"step":1}\n{"step":2}\n[DONE]\n');
    expect(result.stderr).toMatch(/^Cost \$0\.001 · balance \$0\.999 · request \S+\n$/);
  });

  it('call --json prints one ServerSentEvent object per line', async () => {
    world.upstream.handle = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end('data: a\n\nid: 7\ndata: b\n\n');
    };
    const result = await kikuai(['call', 'reliapi', 'llm', '--json', '--data', '{}']);
    expect(result.code, result.stderr).toBe(0);
    expect(
      result.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([
      { event: 'message', data: 'a', id: '' },
      { event: 'message', data: 'b', id: '7' },
    ]);
  });

  it('llm sends an OpenAI-style body and streams choices[0].delta.content as text', async () => {
    const seenFirst = gate();
    world.upstream.handle = async (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(chunk('Invoices '));
      await seenFirst.opened;
      response.write(chunk('come due;'));
      response.write(': keep-alive comment\n\n');
      response.write(chunk(' ink dries.'));
      response.end('data: [DONE]\n\n');
    };
    const result = await kikuai(
      ['llm', '--model', 'gpt-4o-mini', '--system', 'Be brief.', 'Write a haiku about invoices'],
      openWhenPrinted('Invoices', seenFirst),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('Invoices come due; ink dries.\n');
    expect(result.stderr).toMatch(/^Cost \$0\.001 · balance \$0\.997 · request \S+\n$/);
    const sent = JSON.parse(world.upstream.requests.at(-1)!.body);
    expect(world.upstream.requests.at(-1)!.url).toBe('/proxy/llm');
    expect(sent).toEqual({
      target: 'openai',
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Write a haiku about invoices' },
      ],
      stream: true,
    });
  });

  it('a product that refuses the call: its own answer on stdout, a charged-call line on stderr, exit 1', async () => {
    world.upstream.handle = (_request, response) => {
      response.writeHead(422, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: 'model not found' } }));
    };
    const result = await kikuai(['call', 'reliapi', 'llm', '--data', '{"model":"nope"}']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({ error: { message: 'model not found' } });
    expect(result.stderr).toMatch(/^Error: The product answered HTTP 422; its answer is on stdout\. The call was charged \$0\.001\. \(request \S+\)\n$/);
  });

  it('llm reads the prompt from stdin when none is given', async () => {
    world.upstream.handle = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(`${chunk('ok')}data: [DONE]\n\n`);
    };
    const result = await kikuai(['llm'], { input: 'summarise this diff\n' });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('ok\n');
    expect(JSON.parse(world.upstream.requests.at(-1)!.body).messages).toEqual([{ role: 'user', content: 'summarise this diff' }]);
    const balance = parseAs('Balance', (await kikuai(['balance', '--json'])).stdout);
    expect(balance.balance_micros).toBe(1_000_000 - 5 * PRICE_MICROS);
  });
});
