/**
 * The route modules, each serving some of openapi.yaml's operations by operationId.
 * A module per area; add yours here.
 */
import { accountRoutes } from './accounts.js';
import { adminRoutes } from './admin.js';
import { analyticsRoutes } from './analytics.js';
import { billingRoutes } from './billing.js';
import { keyRoutes } from './keys.js';
import { paymentRoutes } from './payments.js';
import { productRoutes } from './products.js';
import { proxyRoutes } from './proxy.js';
import type { RouteModule } from './types.js';
import { webhookRoutes } from './webhooks.js';

export const routeModules: RouteModule[] = [
  accountRoutes,
  keyRoutes,
  billingRoutes,
  adminRoutes,
  analyticsRoutes,
  productRoutes,
  proxyRoutes,
  paymentRoutes,
  webhookRoutes,
];
