/**
 * The activity events both adapters write to the outbox (`ActivityEvent` in types.ts), built
 * here once so that both write the same JSON. Each is written in the same atomic change as
 * what it records (a Lua script, a SQLite transaction), except `starsChargeClaimed` on Redis
 * (README: "What reaches PostgreSQL"). An event whose last field only the change knows (a
 * key's fields after it, the entry that paid a top-up) is a head that the change completes
 * (`activityEventHead`; `push_event_with` in redis-scripts.ts, `completeActivityEvent`).
 * Event ids: `<what>:<id>` where the thing happens once (a key's creation, a top-up's), else a
 * new `evt_` id; either way the id is fixed when the event is written, so PostgreSQL keeps
 * each event once however often the drain delivers it.
 */
import { newEventId } from './ids.js';
import { activityEventHead, encodeAccountCreatedEvent, encodeActivityEvent, keyEventFields } from './records.js';
import type { AccountStatus, ChangeAudit, PaymentIncident, RegisterOptions, StarsCharge, TelegramUser, Topup } from './types.js';

type Row = Record<string, string | number | null | undefined>;

/** A new key, from its stored fields (`newKeyFields`). */
export function keyCreatedEvent(accountId: string, stored: Row, at: string): string {
  const keyId = String(stored.id);
  return encodeActivityEvent({
    event_id: `key_created:${keyId}`,
    account_id: accountId,
    at,
    category: 'key',
    action: 'created',
    subject_id: keyId,
    data: { key: keyEventFields(stored) },
  });
}

/**
 * A change of a live key: `updated` (`changed`: the fields the patch set), `revoked`,
 * `rotated`. A head, completed with the key's stored fields after the change.
 */
export function keyChangeHead(
  accountId: string,
  keyId: string,
  action: 'updated' | 'revoked' | 'rotated',
  at: string,
  data: Record<string, unknown> = {},
): string {
  return activityEventHead(
    {
      // A key is revoked once; it can be updated and rotated many times.
      event_id: action === 'revoked' ? `key_revoked:${keyId}` : newEventId(),
      account_id: accountId,
      at,
      category: 'key',
      action,
      subject_id: keyId,
      data,
    },
    'key',
  );
}

/** Suspension or restoration; `operator` when the caller says who it is (the admin routes). */
export function accountStatusEvent(accountId: string, status: AccountStatus, reason: string | null, at: string, audit: ChangeAudit = {}): string {
  return encodeActivityEvent({
    event_id: newEventId(),
    account_id: accountId,
    at,
    category: audit.actor ? 'operator' : 'account',
    action: status === 'suspended' ? 'account_suspended' : 'account_restored',
    subject_id: null,
    data: { status, reason, actor: audit.actor ?? null, request_id: audit.request_id ?? null },
  });
}

export function topupCreatedEvent(topup: Topup): string {
  return encodeActivityEvent({
    event_id: `topup_created:${topup.id}`,
    account_id: topup.account_id,
    at: topup.created_at,
    category: 'payment',
    action: 'topup_created',
    subject_id: topup.id,
    data: { method: topup.method, status: topup.status, amount_micros: topup.amount_micros, stars: topup.stars, provider_ref: topup.provider_ref },
  });
}

/** Fields of a top-up patch an event names but does not copy (links to a checkout, not money or state). */
const NAMED_ONLY = new Set(['checkout_url', 'invoice_link']);

/** A change of a top-up; `operator` when the caller names itself (the operator's refund), with its reason. */
export function topupUpdatedEvent(accountId: string, topupId: string, patch: Partial<Topup>, at: string, audit: ChangeAudit = {}): string {
  const set = Object.entries(patch).filter(([, value]) => value !== undefined);
  return encodeActivityEvent({
    event_id: newEventId(),
    account_id: accountId,
    at,
    category: audit.actor ? 'operator' : 'payment',
    action: 'topup_updated',
    subject_id: topupId,
    data: {
      changed: set.map(([name]) => name),
      ...Object.fromEntries(set.filter(([name]) => !NAMED_ONLY.has(name))),
      ...(audit.actor ? { actor: audit.actor, request_id: audit.request_id ?? null, reason: audit.reason ?? null } : {}),
    },
  });
}

/** An account the operator made (`adminCreateAccount`), beside its `account_created` registration. */
export function operatorCreatedAccountEvent(accountId: string, at: string, audit: ChangeAudit): string {
  return encodeActivityEvent({
    event_id: `operator_created:${accountId}`,
    account_id: accountId,
    at,
    category: 'operator',
    action: 'account_created',
    subject_id: null,
    data: { actor: audit.actor ?? null, request_id: audit.request_id ?? null },
  });
}

/** pending / failed / expired → completed; a head, completed with the id of the entry that paid it. */
export function topupCompletedHead(accountId: string, topupId: string, providerRef: string | null, at: string): string {
  return activityEventHead(
    {
      event_id: newEventId(),
      account_id: accountId,
      at,
      category: 'payment',
      action: 'topup_completed',
      subject_id: topupId,
      data: { status: 'completed', provider_ref: providerRef },
    },
    'ledger_entry_id',
  );
}

export function starsChargeClaimedEvent(charge: StarsCharge): string {
  return encodeActivityEvent({
    event_id: `stars_charge_claimed:${charge.charge_id}`,
    account_id: charge.account_id,
    at: charge.created_at,
    category: 'payment',
    action: 'stars_charge_claimed',
    subject_id: charge.charge_id,
    data: { topup_id: charge.topup_id },
  });
}

export function incidentRecordedEvent(incident: PaymentIncident): string {
  return encodeActivityEvent({
    event_id: `payment_incident:${incident.id}`,
    account_id: incident.account_id,
    at: incident.created_at,
    category: 'payment',
    action: 'incident_recorded',
    subject_id: incident.id,
    data: { kind: incident.kind, topup_id: incident.topup_id, detail: incident.detail },
  });
}

/** A registration's events: the account, its first key, and who made it when the operator did. */
export function registrationEvents(accountId: string, user: TelegramUser, storedKey: Row, at: string, options: RegisterOptions): string[] {
  const events = [encodeAccountCreatedEvent(accountId, user.id, at), keyCreatedEvent(accountId, storedKey, at)];
  if (options.audit?.actor) events.push(operatorCreatedAccountEvent(accountId, at, options.audit));
  return events;
}
