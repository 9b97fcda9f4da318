import { randomInt } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { ServerContext } from '../context.js';
import { generateApiKey } from '../auth/api-key.js';
import { ApiProblem, balanceLimitProblem, notFound } from '../http/problem.js';
import { withIdempotency } from '../http/idempotency.js';
import { formatUsd } from '@kikuai/sdk';
import { microsToUsd } from '../services/money.js';
import { presentAccount, presentKey, presentKeyWithSecret, presentLedgerEntry } from '../services/presenters.js';
import { newKeyId } from '../store/ids.js';
import type { Account } from '../store/types.js';
import { operatorAudit } from '../http/operator-audit.js';
import type { Handlers, Schema } from './types.js';

/** Largest local id drawn: 2^48 - 1, so collisions stay negligible and the id stays an exact JavaScript number. */
const LOCAL_ID_RANGE = 2 ** 48 - 1;
const LOCAL_ID_ATTEMPTS = 5;

/**
 * The `telegram_id` of an account made without Telegram: negative, drawn at random.
 * Telegram's user ids are positive, so a Telegram user can never register into it, and
 * the store keeps keying accounts by this one number.
 */
function newLocalTelegramId(): number {
  return -randomInt(1, LOCAL_ID_RANGE);
}

export function adminRoutes(context: ServerContext): Handlers {
  const { store } = context;

  const present = async (account: Account): Promise<Schema<'AdminAccount'>> => ({
    account: presentAccount(account),
    suspended_reason: account.suspended_reason,
    keys: (await store.listKeys(account.id)).map((key) => presentKey(key, context.now())),
    ledger_sum_micros: await store.sumLedger(account.id),
  });

  const accountOf = async (request: FastifyRequest<{ Params: { account_id: string } }>) => {
    const account = await store.getAccount(request.params.account_id);
    if (!account) throw notFound('This account');
    return account;
  };

  return {
    async adminFindAccounts(request) {
      const query = request.query;
      if ((query.telegram_id === undefined) === (query.account_id === undefined)) {
        throw new ApiProblem(400, 'validation_failed', 'Give exactly one of query/telegram_id and query/account_id.');
      }
      const account = query.account_id ? await store.getAccount(query.account_id) : await store.getAccountByTelegramId(query.telegram_id!);
      return { data: account ? [await present(account)] : [] };
    },

    async adminCreateAccount(request, reply) {
      const { name, language_code: languageCode = null } = request.body;
      return withIdempotency<Schema<'AdminCreatedAccount'>>(context, request, reply, 'admin:createAccount', async () => {
        const key = generateApiKey();
        const now = context.now();
        const firstKey = { id: newKeyId(), name: 'default', prefix: key.prefix, last_four: key.last_four, hash: key.hash };
        for (let attempt = 1; attempt <= LOCAL_ID_ATTEMPTS; attempt++) {
          // One atomic change, as a Telegram registration: no signup credit (the operator
          // credits explicitly), the operator's default threshold, the secret shown here.
          const result = await store.register({ id: newLocalTelegramId(), first_name: name, language_code: languageCode }, firstKey, now.toISOString(), {
            first_key_shown_in: null,
            signup_credit_micros: 0,
            low_balance_threshold_micros: context.config.defaultLowBalanceMicros,
            audit: operatorAudit(request),
          });
          // Not created: that random id was taken already (about one in 2^48 per account); draw another.
          if (!result.created || !result.first_key) continue;
          const account = result.account;
          request.log.info({ account_id: account.id }, 'account created by operator');
          context.events.emit('key_created', { account, key: result.first_key });
          return { status: 201, body: { account: presentAccount(account), api_key: presentKeyWithSecret(result.first_key, key.secret, now) } };
        }
        throw new Error(`No free local account id after ${LOCAL_ID_ATTEMPTS} draws`);
      });
    },

    async adminListPaymentIncidents(request) {
      const { limit = 20 } = request.query;
      return { data: await store.listPaymentIncidents(limit) };
    },

    async adminGetAccount(request) {
      return present(await accountOf(request));
    },

    async adminAdjustCredit(request, reply) {
      const account = await accountOf(request);
      const body = request.body;
      return withIdempotency(context, request, reply, `admin:adjust:${account.id}`, async () => {
        const result = await store.applyLedger(
          {
            account_id: account.id,
            kind: body.amount_micros > 0 ? 'credit' : 'adjustment',
            amount_micros: body.amount_micros,
            reason: `Operator: ${body.reason}`,
            external_ref: body.external_ref ? `admin:${body.external_ref}` : null,
          },
          context.now().toISOString(),
        );
        if (!result.ok) {
          if (result.reason === 'insufficient_funds') {
            throw new ApiProblem(402, 'insufficient_balance', `The balance (${formatUsd(result.balance_micros)}) does not cover this adjustment.`, {
              balance_micros: result.balance_micros,
            });
          }
          if (result.reason === 'balance_limit_exceeded') throw balanceLimitProblem('This credit', result);
          throw notFound('This account');
        }
        request.log.info({ account_id: account.id, amount_micros: body.amount_micros, applied: result.applied }, 'operator credit adjustment');
        if (result.applied && result.crossed)
          context.events.emit('balance_crossed', { accountId: account.id, crossing: result.crossed, balanceMicros: result.balance_micros });
        return {
          status: 200,
          body: {
            applied: result.applied,
            entry: presentLedgerEntry(result.entry),
            balance_micros: result.balance_micros,
            balance_usd: microsToUsd(result.balance_micros),
          },
        };
      });
    },

    async adminSuspendAccount(request) {
      const account = await accountOf(request);
      const reason = request.body.reason;
      const updated = await store.setAccountStatus(account.id, 'suspended', reason, operatorAudit(request));
      request.log.info({ account_id: account.id }, 'account suspended by operator');
      return present(updated ?? account);
    },

    async adminRestoreAccount(request) {
      const account = await accountOf(request);
      const updated = await store.setAccountStatus(account.id, 'active', null, operatorAudit(request));
      request.log.info({ account_id: account.id }, 'account restored by operator');
      return present(updated ?? account);
    },
  };
}
