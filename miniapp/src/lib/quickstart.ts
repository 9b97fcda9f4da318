/**
 * The first call, ready to copy: the same lines the bot shows beside a key
 * (bot/src/services/quickstart.ts). The API is this page's own origin: the server
 * serves the Mini App at /webapp.
 */

/** ReliAPI's HTTP proxy, $0.001 a call: the cheapest real endpoint, whose body needs no account elsewhere. */
const FIRST_CALL_PATH = '/api/v1/proxy/reliapi/http';
const FIRST_CALL_BODY = '{"target":"example","method":"GET","path":"/status"}';

export interface Quickstart {
  baseUrl: string;
  curl: string;
  sdk: string;
  cli: string;
  docsUrl: string;
}

/** `apiKey`: the secret when it is on screen, else the shell variable that holds it. */
export function quickstartFor(baseUrl: string, apiKey = '$KIKUAI_API_KEY'): Quickstart {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    baseUrl: base,
    curl: `curl -sS -X POST ${base}${FIRST_CALL_PATH} -H "Authorization: Bearer ${apiKey}" -H "Content-Type: application/json" -d '${FIRST_CALL_BODY}'`,
    sdk: `npm i @kikuai/sdk && node --input-type=module -e "import { createKikuaiClient } from '@kikuai/sdk'; const kikuai = createKikuaiClient({ baseUrl: '${base}', auth: { apiKey: process.env.KIKUAI_API_KEY } }); console.log(await kikuai.balance.get())"`,
    cli: `npx kikuai login --base-url ${base} && npx kikuai call reliapi http --data '${FIRST_CALL_BODY}'`,
    docsUrl: `${base}/docs`,
  };
}
