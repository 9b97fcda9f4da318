/**
 * RFC 9457 problem details. Every error the API returns is an `ApiProblem` thrown from
 * a handler or mapped from a Fastify error in `error-handler.ts`.
 */
import { formatUsd } from '@kikuai/sdk';
import { ERROR_TITLES, type ErrorCode } from './error-codes.js';

export interface ProblemExtras {
  [key: string]: unknown;
}

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    readonly detail: string,
    readonly extras: ProblemExtras = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'ApiProblem';
  }

  body(requestId: string): Record<string, unknown> {
    return problemBody(this.status, this.code, this.detail, requestId, this.extras);
  }
}

export function problemBody(status: number, code: ErrorCode, detail: string, requestId: string, extras: ProblemExtras = {}) {
  return {
    type: `https://kikuai.dev/problems/${code}`,
    title: ERROR_TITLES[code],
    status,
    detail,
    code,
    request_id: requestId,
    ...extras,
  };
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

export const notFound = (what: string) => new ApiProblem(404, 'not_found', `${what} was not found.`);

/** 422: a credit the store refused because it would take the balance above its ceiling (nothing changed). */
export const balanceLimitProblem = (what: string, refused: { balance_micros: number; limit_micros: number }) =>
  new ApiProblem(
    422,
    'balance_limit_exceeded',
    `${what} would take the balance (${formatUsd(refused.balance_micros)}) above its limit of ${formatUsd(refused.limit_micros)}; nothing was changed.`,
    { balance_micros: refused.balance_micros, limit_micros: refused.limit_micros },
  );
