/**
 * The first call, ready to copy: what every kikuai face (the bot, the Mini App) shows
 * beside a key, built in one place so that they never drift apart.
 */

/** ReliAPI's HTTP proxy, $0.001 a call: the cheapest real endpoint, whose body needs no account elsewhere. */
const FIRST_CALL_PATH = '/api/v1/proxy/reliapi/http';
const FIRST_CALL_BODY = '{"target":"example","method":"GET","path":"/status"}';

/**
 * The lines of a first call against one kikuai server.
 *
 * @example
 * ```ts
 * import { firstCallQuickstart, type Quickstart } from '@kikuai/sdk';
 *
 * const lines: Quickstart = firstCallQuickstart('http://localhost:8000', process.env.KIKUAI_API_KEY);
 * ```
 */
export interface Quickstart {
  /** The server's address, without a trailing slash. */
  baseUrl: string;
  /** A metered call with curl. */
  curl: string;
  /** The SDK, installed and called from a one-line Node script. */
  sdk: string;
  /** The CLI: log in, then the same call. */
  cli: string;
  /** The API reference. */
  docsUrl: string;
}

/**
 * The quickstart lines for `baseUrl`. `apiKey`: the secret when it is shown beside them,
 * else the shell variable that holds it (the default, `$KIKUAI_API_KEY`).
 *
 * @example
 * ```ts
 * import { firstCallQuickstart } from '@kikuai/sdk';
 *
 * const { curl, docsUrl } = firstCallQuickstart('https://api.kikuai.example');
 * console.log(`${curl}\nDocs: ${docsUrl}`);
 * ```
 */
export function firstCallQuickstart(baseUrl: string, apiKey = '$KIKUAI_API_KEY'): Quickstart {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    baseUrl: base,
    curl: `curl -sS -X POST ${base}${FIRST_CALL_PATH} -H "Authorization: Bearer ${apiKey}" -H "Content-Type: application/json" -d '${FIRST_CALL_BODY}'`,
    sdk: `npm i @kikuai/sdk && node --input-type=module -e "import { createKikuaiClient } from '@kikuai/sdk'; const kikuai = createKikuaiClient({ baseUrl: '${base}', auth: { apiKey: process.env.KIKUAI_API_KEY } }); console.log(await kikuai.balance.get())"`,
    cli: `npx kikuai login --base-url ${base} && npx kikuai call reliapi http --data '${FIRST_CALL_BODY}'`,
    docsUrl: `${base}/docs`,
  };
}
