/**
 * In-process events that other modules act on (the notifier of the payments issue
 * sends Telegram messages for them). Emitting never waits and never fails the caller.
 */
import { EventEmitter } from 'node:events';
import type { Account, ApiKeyRecord, BalanceCrossing, PaymentIncident } from './store/types.js';

export interface ServerEvents {
  key_created: [{ account: Account; key: ApiKeyRecord }];
  key_rotated: [{ account: Account; key: ApiKeyRecord }];
  key_revoked: [{ account: Account; key: ApiKeyRecord }];
  balance_crossed: [{ accountId: string; crossing: BalanceCrossing; balanceMicros: number }];
  payment_credited: [{ accountId: string; amountMicros: number; balanceMicros: number; method: 'paddle' | 'stars' | 'admin' }];
  /** A Stars charge was refunded (by the user through Telegram, or by the operator); emitted before the balance crossing it causes. */
  payment_refunded: [{ accountId: string; amountMicros: number; balanceMicros: number; stars: number | null }];
  /** A payment event moved no money and was kept for the operator (first time only). */
  payment_incident: [{ incident: PaymentIncident }];
}

export class ServerEventBus extends EventEmitter<ServerEvents> {}
