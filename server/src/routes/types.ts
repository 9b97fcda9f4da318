/**
 * Handlers typed by the contract: each operationId's handler gets the request its
 * operation in openapi.yaml describes (body, path parameters, query, header parameters)
 * and must answer one of its documented success bodies. The types come from the SDK's
 * generated `operations` (types only: the server never loads the SDK), so renaming a
 * field in the spec fails the server's type-check.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { components, operations } from '@kikuai/sdk/contract';
import type { Services } from '../composition.js';
import type { Sent } from '../http/sent.js';

export { sent, type Sent } from '../http/sent.js';

export type OperationId = keyof operations;
/** A schema of openapi.yaml by name. */
export type Schema<Name extends keyof components['schemas']> = components['schemas'][Name];

type Parameters<Id extends OperationId> = operations[Id]['parameters'];
type Defined<T> = [NonNullable<T>] extends [never] ? unknown : NonNullable<T>;
type JsonContent<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;

/** The JSON body of the operation (`| undefined` when the spec lets it be left out). */
export type RequestBody<Id extends OperationId> = operations[Id] extends { requestBody: infer Body }
  ? JsonContent<Body>
  : [NonNullable<operations[Id]['requestBody']>] extends [never]
    ? undefined
    : JsonContent<NonNullable<operations[Id]['requestBody']>> | undefined;

/** Header parameters under the names Node gives them (lower case). */
type HeaderParameters<Id extends OperationId> = {
  [Name in keyof Defined<Parameters<Id>['header']> as Lowercase<Name & string>]: Defined<Parameters<Id>['header']>[Name];
};

type SuccessStatus = 200 | 201 | 202 | 204;
type Responses<Id extends OperationId> = operations[Id]['responses'];
/** Every body the operation documents for a success, whatever its media type. */
export type SuccessBody<Id extends OperationId> = {
  [Status in keyof Responses<Id> & SuccessStatus]: Responses<Id>[Status] extends { content: infer Content } ? Content[keyof Content] : never;
}[keyof Responses<Id> & SuccessStatus];

/** Status → body of every response the operation documents, for `reply.code(status).send(body)`. */
export type ReplyBodies<Id extends OperationId> = {
  [Status in keyof Responses<Id> & number]: Responses<Id>[Status] extends { content: infer Content } ? Content[keyof Content] : never;
};

export interface OperationRequest<Id extends OperationId> {
  Body: RequestBody<Id>;
  Params: Defined<Parameters<Id>['path']>;
  Querystring: Defined<Parameters<Id>['query']>;
  Headers: HeaderParameters<Id>;
}

export type OperationHandler<Id extends OperationId> = (
  request: FastifyRequest<OperationRequest<Id>>,
  reply: FastifyReply<{ Reply: ReplyBodies<Id> }>,
) => Promise<SuccessBody<Id> | Sent<SuccessBody<Id>>>;

/** operationId → handler. Each route module returns the handlers of its operations. */
export type Handlers = { [Id in OperationId]?: OperationHandler<Id> };
/** A route module takes the services it uses (its parameter names a part of `Services`). */
export type RouteModule = (services: Services) => Handlers;
