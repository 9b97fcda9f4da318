/**
 * An in-memory navigation stack. The URL hash belongs to Telegram's launch
 * parameters, so routes live here; the BackButton pops the stack.
 */
export type RouteName = 'dashboard' | 'keys' | 'key' | 'topup' | 'history' | 'products' | 'product';

export interface Route {
  name: RouteName;
  /** The id a detail screen shows (a key id, a product id). */
  param?: string;
}

export class Router {
  stack = $state.raw<Route[]>([{ name: 'dashboard' }]);
  current = $derived(this.stack[this.stack.length - 1] ?? { name: 'dashboard' as const });
  /** Only a detail has somewhere to go back to: the tabs are all roots, as Telegram's guidelines want (no BackButton there). */
  canGoBack = $derived(this.stack.length > 1);

  /** Opens a screen on top of the current one (a detail). */
  push(route: Route): void {
    this.stack = [...this.stack, route];
  }

  /** Switches to a top-level screen (a tab), forgetting the details above it. */
  open(route: Route): void {
    this.stack = [route];
  }

  back(): void {
    if (this.stack.length > 1) this.stack = this.stack.slice(0, -1);
  }
}
