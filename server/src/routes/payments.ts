/** Top-ups (Paddle, Telegram Stars), the bot's Stars reports and the operator's Stars refund. */
import type { FastifyRequest } from 'fastify';
import type { Services } from '../composition.js';
import type { ServerContext } from '../context.js';
import { requireAccount } from '../auth/authenticate.js';
import { ApiProblem, notFound } from '../http/problem.js';
import { withIdempotency } from '../http/idempotency.js';
import type { StarsOutcome } from '../payments/stars.js';
import { microsToUsd } from '../services/money.js';
import { presentLedgerEntry, presentTopup } from '../services/presenters.js';
import type { Handlers, Schema } from './types.js';
import { operatorAudit } from '../http/operator-audit.js';

const topupIdOf = (request: FastifyRequest<{ Params: { topup_id: string } }>) => request.params.topup_id;

function presentStarsOutcome(outcome: StarsOutcome): Schema<'StarsPaymentResult'> {
  return {
    applied: outcome.applied,
    topup: presentTopup(outcome.topup),
    entry: outcome.entry ? presentLedgerEntry(outcome.entry) : null,
    balance_micros: outcome.balance_micros,
    balance_usd: microsToUsd(outcome.balance_micros),
  };
}

export function paymentRoutes(context: ServerContext & Pick<Services, 'payments' | 'metrics'>): Handlers {
  const { payments, metrics } = context;

  return {
    async getTopupOptions(request) {
      return payments.topups.options(request.caller);
    },

    async createTopup(request, reply) {
      const account = requireAccount(request);
      const body = request.body;
      payments.topups.check(request.caller, body.method, body.amount_micros);
      return withIdempotency(context, request, reply, `${account.id}:createTopup`, async () => {
        const topup = await payments.topups.create(account, body.method, body.amount_micros);
        return { status: 201, body: presentTopup(topup) };
      });
    },

    async getTopup(request) {
      const account = requireAccount(request);
      const topup = await payments.topups.get(account, topupIdOf(request));
      if (!topup) throw notFound('This top-up');
      return presentTopup(topup);
    },

    async checkStarsPreCheckout(request) {
      const body = request.body;
      return payments.stars.preCheckout(request.caller?.account ?? null, body);
    },

    async recordStarsPayment(request, reply) {
      const account = requireAccount(request);
      const body = request.body;
      // Idempotency-Key is honoured, but the charge id already makes repeats harmless.
      return withIdempotency(context, request, reply, `${account.id}:recordStarsPayment`, async () => ({
        status: 200,
        body: presentStarsOutcome(
          await payments.stars.recordPayment(account, body).catch((error: unknown) => {
            // Credits are counted from the ledger (metrics.ts); here a report that credited nothing.
            metrics.countPayment('stars', error instanceof ApiProblem ? 'refused' : 'failed');
            throw error;
          }),
        ),
      }));
    },

    async recordStarsRefund(request) {
      const account = requireAccount(request);
      const body = request.body;
      return presentStarsOutcome(await payments.stars.recordRefund(account, body));
    },

    async adminRefundTopup(request) {
      const body = request.body ?? {};
      const topupId = topupIdOf(request);
      if (!topupId) throw new ApiProblem(400, 'validation_failed', 'A top-up id is required.');
      return presentStarsOutcome(await payments.stars.adminRefund(topupId, body.reason, operatorAudit(request, body.reason)));
    },
  };
}
