import type { FastifyRequest } from 'fastify';
import type { ServerContext } from '../context.js';
import { ApiProblem, balanceLimitProblem, notFound } from '../http/problem.js';
import { withIdempotency } from '../http/idempotency.js';
import { microsToUsd } from '../services/money.js';
import { presentAccount, presentKey, presentLedgerEntry } from '../services/presenters.js';
import type { Account } from '../store/types.js';
import type { Handlers, Schema } from './types.js';

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
            throw new ApiProblem(402, 'insufficient_balance', `The balance (${microsToUsd(result.balance_micros)} USD) does not cover this adjustment.`, {
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
      const updated = await store.setAccountStatus(account.id, 'suspended', reason);
      request.log.info({ account_id: account.id }, 'account suspended by operator');
      return present(updated ?? account);
    },

    async adminRestoreAccount(request) {
      const account = await accountOf(request);
      const updated = await store.setAccountStatus(account.id, 'active', null);
      request.log.info({ account_id: account.id }, 'account restored by operator');
      return present(updated ?? account);
    },
  };
}
