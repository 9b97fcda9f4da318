import type { FastifyRequest } from 'fastify';
import type { ChangeAudit } from '../store/types.js';

/**
 * Who the record of an operator's change names (the store writes it into the change's outbox
 * event): the admin token's holder, the request (its id is in the logs too), and the reason
 * when the change itself keeps none.
 */
export function operatorAudit(request: FastifyRequest, reason?: string): ChangeAudit {
  return { actor: 'operator', request_id: request.id, ...(reason ? { reason } : {}) };
}
