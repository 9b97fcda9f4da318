import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { describeMetering, parseJson, printUpstreamRefusal } from '../services/proxy-output.js';
import { readRequestBody } from '../services/request-body.js';

export default class Call extends BaseCommand<typeof Call> {
  static override summary = 'Call a product endpoint through the metered proxy; the price is paid from the balance.';
  static override description = [
    'The JSON body comes from --data (inline, @file, or @- for stdin) or from stdin when it is piped in; {} otherwise.',
    'The answer goes to stdout as it arrives: server-sent events are printed one data line per event.',
    'What the call cost and the balance after it go to stderr. Endpoints and prices: `kikuai products show <product>`.',
    'With --json, a JSON answer is printed as it is, and a stream as one JSON object per event ({event, data, id}).',
  ].join('\n');

  static override args = {
    product: Args.string({ description: 'Product id, e.g. reliapi.', required: true }),
    endpoint: Args.string({ description: 'Endpoint id within the product, e.g. http or llm.', required: true }),
  };

  static override examples = [
    `<%= config.bin %> call reliapi http --data '{"target":"example","method":"GET","path":"/status"}'`,
    '<%= config.bin %> call reliapi llm --data @request.json',
    'jq -n \'{target:"openai",model:"gpt-4o-mini",messages:[{role:"user",content:"Hi"}],stream:true}\' | <%= config.bin %> call reliapi llm',
  ];

  static override flags = {
    data: Flags.string({ char: 'd', summary: 'The JSON body: inline, @file, or @- for stdin.', helpValue: '<json|@file>' }),
  };

  async run(): Promise<void> {
    const body = (await readRequestBody(this.flags.data)) as Record<string, unknown>;
    const client = await this.client();
    const stream = await client.proxy.stream(this.args.product, this.args.endpoint, body).catch((error: unknown) => {
      printUpstreamRefusal(error);
      throw error;
    });
    const json = this.jsonEnabled();
    const isEventStream = (stream.headers.get('content-type') ?? '').startsWith('text/event-stream');
    for await (const event of stream) {
      if (!isEventStream) {
        // A whole answer (JSON or text) arrives as one event.
        const parsed = json ? parseJson(event.data) : undefined;
        process.stdout.write(parsed === undefined ? ensureNewline(event.data) : `${JSON.stringify(parsed, null, 2)}\n`);
      } else if (json) {
        process.stdout.write(`${JSON.stringify(event)}\n`);
      } else {
        process.stdout.write(`${event.event === 'message' ? '' : `event: ${event.event}\n`}${event.data}\n`);
      }
    }
    const metering = describeMetering(stream);
    if (metering) this.stderr(this.stderrPaint.dim(metering));
  }
}

function ensureNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}
