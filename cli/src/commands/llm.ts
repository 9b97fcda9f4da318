import type { LlmChatMessage } from '@kikuai/sdk';
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { UsageError } from '../services/exit-codes.js';
import { readStdin } from '../services/interaction.js';
import { describeMetering, printUpstreamRefusal } from '../services/proxy-output.js';

export default class Llm extends BaseCommand<typeof Llm> {
  static override summary = "Ask an LLM through ReliAPI's LLM proxy: a prompt in, the answer streamed out.";
  static override description = [
    'A shortcut for `kikuai call reliapi llm`. It sends an OpenAI-style chat body,',
    '  {"target": <--target>, "model": <--model>, "messages": [{"role": "system", …}, {"role": "user", "content": <prompt>}], "stream": true}',
    'and prints `choices[0].delta.content` of each server-sent event as it arrives, until `data: [DONE]`.',
    'The prompt is the argument, or stdin when it is piped in. Cost and balance go to stderr.',
    'With --json, each chunk is printed as the JSON the upstream sent, one per line.',
  ].join('\n');

  static override args = { prompt: Args.string({ description: 'What to ask. Read from stdin when left out and stdin is piped.' }) };

  static override examples = [
    '<%= config.bin %> llm "Write a haiku about invoices"',
    'git diff | <%= config.bin %> llm --system "Review this diff in three bullet points"',
    '<%= config.bin %> llm --model gpt-4o "Explain HTTP 402"',
  ];

  static override flags = {
    model: Flags.string({ char: 'm', summary: 'The model.', default: 'gpt-4o-mini' }),
    target: Flags.string({ summary: "ReliAPI's upstream provider.", default: 'openai' }),
    system: Flags.string({ char: 's', summary: 'A system message to send first.' }),
  };

  async run(): Promise<void> {
    const prompt = this.args.prompt ?? (process.stdin.isTTY ? undefined : (await readStdin()).trim());
    if (!prompt) throw new UsageError('No prompt: pass it as an argument (`kikuai llm "…"`) or pipe it on stdin.');
    const messages: LlmChatMessage[] = [
      ...(this.flags.system ? [{ role: 'system' as const, content: this.flags.system }] : []),
      { role: 'user', content: prompt },
    ];
    const client = await this.client();
    const stream = await client.proxy
      .llm({ target: this.flags.target, model: this.flags.model, messages, stream: true }, { stream: true })
      .catch((error: unknown) => {
        printUpstreamRefusal(error);
        throw error;
      });
    const json = this.jsonEnabled();
    let wroteText = false;
    // The SDK parses each event into a chat chunk and ends the loop at `[DONE]`.
    for await (const chunk of stream) {
      if (json) {
        process.stdout.write(`${JSON.stringify(chunk)}\n`);
        continue;
      }
      const text = chunk.choices[0]?.delta.content ?? '';
      if (text) {
        process.stdout.write(text);
        wroteText = true;
      }
    }
    if (wroteText) process.stdout.write('\n');
    const metering = describeMetering(stream);
    if (metering) this.stderr(this.stderrPaint.dim(metering));
  }
}
