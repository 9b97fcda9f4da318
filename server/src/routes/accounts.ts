import type { FastifyRequest } from 'fastify';
import type { ServerContext } from '../context.js';
import { requireAccount } from '../auth/authenticate.js';
import { ApiProblem } from '../http/problem.js';
import { withIdempotency } from '../http/idempotency.js';
import { presentAccount, presentKeyWithSecret } from '../services/presenters.js';
import { registerTelegramUser } from '../services/registration.js';
import type { Caller } from '../auth/authenticate.js';
import type { Account, TelegramUser } from '../store/types.js';
import type { Handlers, OperationRequest, Schema } from './types.js';

function userToRegister(request: FastifyRequest<OperationRequest<'registerAccount'>>): TelegramUser {
  const caller = request.caller!;
  if (caller.kind === 'telegram_init_data') return caller.telegramUser;
  const given = request.body?.telegram_user;
  if (!given) throw new ApiProblem(400, 'validation_failed', 'body/telegram_user is required when the bot registers a user.');
  if (given.id !== caller.telegramUser?.id) {
    throw new ApiProblem(400, 'validation_failed', 'body/telegram_user/id must be the user named in X-Kikuai-Telegram-User-Id.');
  }
  return given;
}

/** The account and how its caller authenticated (the operator has no account, so never gets here). */
function presentMe(account: Account, caller: Caller | undefined): Schema<'Me'> {
  if (!caller || caller.kind === 'admin') throw new Error('getMe and updateMe never accept the operator.');
  return { account: presentAccount(account), auth: { method: caller.kind, key_id: caller.key?.id ?? null } };
}

export function accountRoutes(context: ServerContext): Handlers {
  const { store } = context;
  return {
    async registerAccount(request, reply) {
      const user = userToRegister(request);
      return withIdempotency<Schema<'RegisterResponse'>>(context, request, reply, `register:${user.id}`, async () => {
        const existing = await store.getAccountByTelegramId(user.id);
        if (existing) return { status: 200, body: { created: false, account: presentAccount(existing), api_key: null } };
        const shownIn = request.caller!.kind === 'telegram_init_data' ? 'mini_app' : 'bot';
        const result = await registerTelegramUser(context, user, shownIn);
        if (!result.created || !result.first_key) {
          return { status: 200, body: { created: false, account: presentAccount(result.account), api_key: null } };
        }
        const account = result.account;
        context.events.emit('key_created', { account, key: result.first_key });
        return {
          status: 201,
          body: { created: true, account: presentAccount(account), api_key: presentKeyWithSecret(result.first_key, result.secret, context.now()) },
        };
      });
    },

    async getMe(request) {
      return presentMe(requireAccount(request), request.caller);
    },

    async updateMe(request) {
      let account = requireAccount(request);
      const body = request.body;
      if (body.low_balance_threshold_micros !== undefined) {
        account = (await store.setLowBalanceThreshold(account.id, body.low_balance_threshold_micros)) ?? account;
      }
      if (body.language_code !== undefined) {
        account = (await store.setLanguage(account.id, body.language_code)) ?? account;
      }
      return presentMe(account, request.caller);
    },
  };
}
