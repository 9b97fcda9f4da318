/** Proxied calls written into a store as the proxy writes them (`reserve`, then `settleCalls`, or `refundCall` for a failed one), at chosen times. */
import type { Store } from '@kikuai/server';

export interface ProxiedCall {
  product_id: string;
  /** When the call was made (ms since the epoch). */
  at: number;
  price_micros?: number;
  /** Refund it afterwards, as the proxy does when the upstream fails. */
  refunded?: boolean;
}

/** Charges each call to the account's key under `call:<refPrefix>-<index>`; refunds the ones marked `refunded`. */
export async function recordProxiedCalls(store: Store, accountId: string, calls: readonly ProxiedCall[], refPrefix = 'test'): Promise<void> {
  const [key] = await store.listKeys(accountId);
  if (!key) throw new Error(`account ${accountId} has no key to call with`);
  for (const [index, call] of calls.entries()) {
    const ref = `call:${refPrefix}-${index}`;
    const at = new Date(call.at).toISOString();
    const reserved = await store.reserve(
      {
        account_id: accountId,
        key_id: key.id,
        hash: key.hash,
        now_ms: call.at,
        rate_limits: [],
        product_id: call.product_id,
        price_micros: call.price_micros ?? 1000,
        external_ref: ref,
        reason: `${call.product_id}/llm`,
      },
      at,
    );
    if (!reserved.ok) throw new Error(`call ${index} was refused: ${reserved.reason}`);
    const usage = { account_id: accountId, key_id: key.id, product_id: call.product_id, endpoint: 'llm', latency_ms: 5, at };
    if (call.refunded) {
      const refunded = { ...usage, cost_micros: 0, upstream_status: 502 };
      await store.refundCall({ ref, reason: `${call.product_id}/llm refunded: upstream_error`, usage: refunded }, new Date(call.at + 1000).toISOString());
    } else {
      // Settled as the proxy settles a kept call, so that no reconciler refunds it later.
      await store.settleCalls([], [{ ref, usage: { ...usage, cost_micros: call.price_micros ?? 1000, upstream_status: 200 } }]);
    }
  }
}
