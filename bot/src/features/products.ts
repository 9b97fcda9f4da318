import { Composer, InlineKeyboard } from 'grammy';
import type { BotContext } from '../context.js';
import { MENU, backToMenuKeyboard } from '../keyboards/main-menu.js';
import { escapeHtml, formatMoney, replyLanguage } from '../services/format.js';
import { formatBytes, KikuaiError, type Product } from '@kikuai/sdk';

const PRODUCT_PREFIX = 'prod:';

/** /products and /product <name>: public information, fine in groups too. */
export const productsFeature = new Composer<BotContext>();

async function listProducts(ctx: BotContext): Promise<Product[]> {
  return (await ctx.kikuai.products.list({ headers: { 'accept-language': replyLanguage(ctx) } })).data;
}

async function showProducts(ctx: BotContext): Promise<void> {
  const products = await listProducts(ctx);
  if (products.length === 0) return void (await ctx.reply(ctx.t('products-empty')));
  const keyboard = new InlineKeyboard();
  for (const product of products) keyboard.text(product.name, PRODUCT_PREFIX + product.id).row();
  const lines = products.map((product) =>
    ctx.t('products-entry', {
      name: escapeHtml(product.name),
      id: product.id,
      description: escapeHtml(product.description),
      status: ctx.t(`product-status-${product.status}`),
    }),
  );
  await ctx.reply([ctx.t('products-title'), ...lines, ctx.t('products-footer')].join('\n\n'), {
    parse_mode: 'HTML',
    reply_markup: ctx.chat?.type === 'private' ? keyboard.text(ctx.t('button-menu'), MENU.main) : keyboard,
  });
}

/** Telegram refuses a message longer than this. */
const MESSAGE_LIMIT = 4096;

/** The product's page: each endpoint's method, URL and price, the limits, and a working example of each. */
function productPage(ctx: BotContext, product: Product, withSdk: boolean): string {
  const pre = (text: string) => `<pre>${escapeHtml(text)}</pre>`;
  const endpoints = product.endpoints.map((endpoint) =>
    [
      ctx.t('product-endpoint', {
        id: endpoint.id,
        price: formatMoney(ctx, endpoint.price_micros),
        streams: endpoint.streaming ? ctx.t('product-endpoint-streams') : '',
        description: escapeHtml(endpoint.description),
        method: endpoint.method,
        url: escapeHtml(endpoint.url),
      }),
      ctx.t('product-example-curl'),
      pre(endpoint.example.curl),
      ...(withSdk ? [ctx.t('product-example-sdk'), pre(endpoint.example.sdk)] : []),
      ctx.t('product-example-cli'),
      pre(endpoint.example.cli),
    ].join('\n'),
  );
  return [
    ctx.t('product-title', { name: escapeHtml(product.name), status: ctx.t(`product-status-${product.status}`) }),
    escapeHtml(product.description),
    ctx.t('product-limits', {
      requests: product.rate_limit.requests,
      seconds: product.rate_limit.window_seconds,
      bodySize: formatBytes(product.max_body_bytes, { locale: replyLanguage(ctx) }),
      timeoutSeconds: Math.ceil(product.timeout_ms / 1000),
    }),
    ...endpoints,
    ctx.t('product-docs', { docsUrl: escapeHtml(product.docs_url) }),
  ].join('\n\n');
}

async function showProduct(ctx: BotContext, productId: string): Promise<void> {
  let product: Product;
  try {
    product = await ctx.kikuai.products.get(productId, { headers: { 'accept-language': replyLanguage(ctx) } });
  } catch (error) {
    if (error instanceof KikuaiError && error.status === 404)
      return void (await ctx.reply(ctx.t('product-not-found', { name: escapeHtml(productId) }), { parse_mode: 'HTML' }));
    throw error;
  }
  const full = productPage(ctx, product, true);
  // A product with many endpoints drops the SDK lines rather than be refused by Telegram.
  const text = full.length <= MESSAGE_LIMIT ? full : productPage(ctx, product, false);
  await ctx.reply(text, {
    parse_mode: 'HTML',
    link_preview_options: { is_disabled: true },
    ...(ctx.chat?.type === 'private' ? { reply_markup: backToMenuKeyboard(ctx) } : {}),
  });
}

productsFeature.command('products', showProducts);
productsFeature.command('product', async (ctx) => {
  const name = ctx.match.trim().toLowerCase();
  if (!name) return showProducts(ctx);
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(name))
    return void (await ctx.reply(ctx.t('product-not-found', { name: escapeHtml(name.slice(0, 32)) }), { parse_mode: 'HTML' }));
  await showProduct(ctx, name);
});
productsFeature.callbackQuery(MENU.products, async (ctx) => {
  await ctx.answerCallbackQuery();
  await showProducts(ctx);
});
productsFeature.callbackQuery(new RegExp(`^${PRODUCT_PREFIX}([a-z][a-z0-9-]{0,31})$`), async (ctx) => {
  await ctx.answerCallbackQuery();
  await showProduct(ctx, ctx.match[1]!);
});
