import { afterEach, describe, expect, it } from 'vitest';
import { sendJson, startRecordingServer, type RecordingServer } from '@kikuai/testkit/http';
import { ApiError, createApi } from '../src/lib/api/client.js';
import { describeFailure } from '../src/lib/api/errors.js';

/*
 * The Mini App's own client (lib/api/client.ts) over a real socket: what it sends, what it
 * retries, and what a refusal becomes. The browser tests run it against the real server.
 */

const initData = 'user=%7B%22id%22%3A1%7D&auth_date=1&hash=ab';

function sendProblem(response: Parameters<typeof sendJson>[0], status: number, code: string, detail: string, headers: Record<string, string> = {}) {
  const body = JSON.stringify({ type: `https://kikuai.dev/problems/${code}`, title: code, status, code, detail, request_id: 'req_problem' });
  response.writeHead(status, { 'Content-Type': 'application/problem+json', ...headers });
  response.end(body);
}

describe('the Mini App API client', () => {
  let server: RecordingServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('sends the raw initData, the path and the query, and reads the answer', async () => {
    server = await startRecordingServer((_request, response) => sendJson(response, 200, { data: [], next_cursor: null }));
    const api = createApi(initData, server.url);

    expect(await api.history.list({ kind: 'debit', day: '2026-11-29', product_id: 'reliapi', limit: 50 })).toEqual({ data: [], next_cursor: null });
    await api.products.get('a b/c', { headers: { 'accept-language': 'ru' } });

    const [list, product] = server.requests;
    expect(list!.method).toBe('GET');
    expect(list!.url.pathname).toBe('/api/v1/history');
    expect(Object.fromEntries(list!.url.searchParams)).toEqual({ kind: 'debit', day: '2026-11-29', product_id: 'reliapi', limit: '50' });
    expect(list!.headers.authorization).toBe(`tma ${initData}`);
    expect(list!.headers['idempotency-key']).toBeUndefined();
    expect(product!.url.pathname).toBe('/api/v1/products/a%20b%2Fc');
    expect(product!.headers['accept-language']).toBe('ru');
  });

  it('creates with a JSON body and an Idempotency-Key, and retries a 503 with the same key', async () => {
    server = await startRecordingServer((_request, response, attempt) => {
      if (attempt === 1) sendProblem(response, 503, 'store_unavailable', 'Briefly unavailable.', { 'Retry-After': '0' });
      else sendJson(response, 201, { id: 'key_1', name: 'laptop', secret: 'kik_secret' });
    });
    const api = createApi(initData, server.url);

    const created = await api.keys.create({ name: 'laptop' });

    expect(created).toMatchObject({ id: 'key_1', secret: 'kik_secret' });
    expect(server.requests).toHaveLength(2);
    const [first, second] = server.requests;
    expect(first!.method).toBe('POST');
    expect(JSON.parse(first!.body)).toEqual({ name: 'laptop' });
    expect(first!.headers['content-type']).toBe('application/json');
    expect(first!.headers['idempotency-key']).toMatch(/^[0-9a-f-]{32,36}$/);
    expect(second!.headers['idempotency-key']).toBe(first!.headers['idempotency-key']);
  });

  it("turns a refusal into the user's words, with the server's request id", async () => {
    server = await startRecordingServer((_request, response) => sendProblem(response, 409, 'too_many_keys', 'This account already holds 20 keys.'));
    const api = createApi(initData, server.url);

    const error = await api.keys.create({ name: 'one more' }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 409, code: 'too_many_keys', detail: 'This account already holds 20 keys.', requestId: 'req_problem' });
    expect(describeFailure(error)).toEqual({
      kind: 'rejected',
      title: 'failure.too-many-keys.title',
      message: 'failure.too-many-keys.message',
      requestId: 'req_problem',
    });
  });

  it('reads an error page that is not a problem as trouble on our side, and a closed port as unreachable', async () => {
    server = await startRecordingServer((_request, response) => {
      response.writeHead(502, { 'Content-Type': 'text/html', 'X-Request-Id': 'req_proxy' });
      response.end('<html>Bad Gateway</html>');
    });
    const failure = await createApi(initData, server.url)
      .balance.get()
      .catch((caught: unknown) => caught);
    expect(failure).toMatchObject({ status: 502, code: 'http_502', detail: '<html>Bad Gateway</html>', requestId: 'req_proxy' });
    expect(describeFailure(failure)).toMatchObject({ kind: 'unreachable', title: 'failure.trouble.title' });

    const { url } = server;
    await server.close();
    server = undefined;
    const offline = await createApi(initData, url)
      .balance.get()
      .catch((caught: unknown) => caught);
    expect(describeFailure(offline)).toMatchObject({ kind: 'unreachable', title: 'failure.unreachable.title' });
  });

  it('polls a top-up until it is no longer pending', async () => {
    server = await startRecordingServer((_request, response, attempt) =>
      sendJson(response, 200, { id: 'top_1', status: attempt < 3 ? 'pending' : 'completed' }),
    );
    const api = createApi(initData, server.url);

    const topup = await api.topups.waitForCompletion('top_1', { intervalMs: 1, timeoutMs: 10_000 });

    expect(topup.status).toBe('completed');
    expect(server.requests.map((request) => `${request.method} ${request.url.pathname}`)).toEqual(Array(3).fill('GET /api/v1/payment/topup/top_1'));
  });
});
