import type { Component } from 'svelte';
import Dashboard from './screens/Dashboard.svelte';
import Keys from './screens/Keys.svelte';
import KeyDetail from './screens/KeyDetail.svelte';
import Topup from './screens/Topup.svelte';
import History from './screens/History.svelte';
import Products from './screens/Products.svelte';
import ProductDetail from './screens/ProductDetail.svelte';
import type { Route, RouteName } from './lib/router.svelte.js';

/** The route table: which screen each route shows, and the props its parameter becomes. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each screen takes its own props
export const routes: Record<RouteName, { component: Component<any>; props?: (route: Route) => Record<string, unknown> }> = {
  dashboard: { component: Dashboard },
  keys: { component: Keys },
  key: { component: KeyDetail, props: (route) => ({ keyId: route.param }) },
  topup: { component: Topup },
  history: { component: History },
  products: { component: Products },
  product: { component: ProductDetail, props: (route) => ({ productId: route.param }) },
};
