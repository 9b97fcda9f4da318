/**
 * `/pay`: the operator's default payment link in Paddle. Paddle's checkout URL is this
 * page plus `?_ptxn=txn_…`; the page loads Paddle.js with the client-side token
 * (`PADDLE_CLIENT_TOKEN`, public by design), and Paddle.js opens the checkout for the
 * transaction in the query. A page, not an API operation: it is not in openapi.yaml,
 * and `NON_API_ROUTES` lists it for the contract test.
 */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';

export const NON_API_ROUTES: ReadonlyArray<{ method: 'GET'; url: string }> = [{ method: 'GET', url: '/pay' }];

/** JSON for an inline script: `<` escaped so no string can close the script element. */
const inlineJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

export function payPageHtml(options: { clientToken: string; environment: 'sandbox' | 'production' }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>kikuai — top up</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 0; padding: 2rem 1rem; text-align: center; color: #1d1d1f; }
  p { max-width: 32rem; margin: 1rem auto; }
  .muted { color: #6e6e73; }
</style>
<script src="https://cdn.paddle.com/paddle/v2/paddle.js"></script>
</head>
<body>
<h1>kikuai</h1>
<p id="status">Opening the secure checkout…</p>
<p class="muted" id="hint">Payments are processed by Paddle. Your balance is updated a few seconds after the payment.</p>
<script>
  (function () {
    var status = document.getElementById('status');
    var config = ${inlineJson({ token: options.clientToken, environment: options.environment })};
    if (!new URLSearchParams(location.search).get('_ptxn')) {
      status.textContent = 'This page opens a checkout started from kikuai (kikuai topup, the SDK or the website). No checkout was given.';
      return;
    }
    if (typeof Paddle === 'undefined') {
      status.textContent = 'The checkout could not be loaded. Check your connection or disable content blockers, then reload.';
      return;
    }
    if (config.environment === 'sandbox') Paddle.Environment.set('sandbox');
    Paddle.Initialize({
      token: config.token,
      eventCallback: function (event) {
        if (event.name === 'checkout.completed') status.textContent = 'Payment received. Your balance will be updated in a moment; you can close this page.';
        if (event.name === 'checkout.closed') status.textContent = 'Checkout closed. Reload this page to open it again.';
      }
    });
    // With _ptxn in the URL, Paddle.js opens the checkout of that transaction itself.
  })();
</script>
</body>
</html>
`;
}

export function payPagePlugin(context: ServerContext) {
  return async function payPage(app: FastifyInstance): Promise<void> {
    app.get('/pay', async (_request, reply) => {
      const { clientToken, environment } = context.config.paddle;
      reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
      if (!clientToken) {
        return reply
          .code(503)
          .type('text/html; charset=utf-8')
          .send('<!doctype html><title>kikuai</title><p>Card payments are not configured on this server (PADDLE_CLIENT_TOKEN).</p>');
      }
      return reply.type('text/html; charset=utf-8').send(payPageHtml({ clientToken, environment }));
    });
  };
}
