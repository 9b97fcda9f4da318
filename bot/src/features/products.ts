import { Composer, InlineKeyboard } from 'grammy';
import type { BotContext } from '../context.js';
import { MENU, backToMenuKeyboard } from '../keyboards/main-menu.js';
import { escapeHtml, formatMoney } from '../services/format.js';
import { KikuaiError, type Product } from '@kikuai/sdk';

const PRODUCT_PREFIX = 'prod:';

/** /products and /product <name>: public information, fine in groups too. */
export const productsFeature = new Composer<BotContext>();

async function listProducts(ctx: BotContext): Promise<Product[]> {
  return (await ctx.kikuai.products.list()).data;
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

async function showProduct(ctx: BotContext, productId: string): Promise<void> {
  let product: Product;
  try {
    product = await ctx.kikuai.products.get(productId);
  } catch (error) {
    if (error instanceof KikuaiError && error.status === 404)
      return void (await ctx.reply(ctx.t('product-not-found', { name: escapeHtml(productId) }), { parse_mode: 'HTML' }));
    throw error;
  }
  const endpoints = product.endpoints.map((endpoint) =>
    ctx.t('product-endpoint', { id: endpoint.id, price: formatMoney(ctx, endpoint.price_micros), description: escapeHtml(endpoint.description) }),
  );
  const text = [
    ctx.t('product-title', { name: escapeHtml(product.name), status: ctx.t(`product-status-${product.status}`) }),
    escapeHtml(product.description),
    endpoints.join('\n'),
    ctx.t('product-rate-limit', { requests: product.rate_limit.requests, seconds: product.rate_limit.window_seconds }),
  ].join('\n\n');
  await ctx.reply(text, { parse_mode: 'HTML', ...(ctx.chat?.type === 'private' ? { reply_markup: backToMenuKeyboard(ctx) } : {}) });
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
