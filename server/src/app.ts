/**
 * The app factory: builds the Fastify app from openapi.yaml without listening (Fastify's
 * testing guide). Routes come from the spec through fastify-openapi-glue: each
 * operationId is served by the handler of the same name from a route module, with the
 * spec's request schemas as validation and its response schemas for serialization.
 * Authentication is a preHandler built from the operation's `security`.
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions, type RouteHandlerMethod } from 'fastify';
import openapiGlue from 'fastify-openapi-glue';
import cors from '@fastify/cors';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import responseValidation from '@fastify/response-validation';
import { parse as parseYaml } from 'yaml';
import addFormatsModule from 'ajv-formats';
import type { Config } from './config.js';
import { composeServices, type Services } from './composition.js';
import type { Store } from './store/types.js';
import { callerKindsOf, createAuthenticator } from './auth/authenticate.js';
import { API_KEY_OPERATIONS } from './auth/permissions.js';
import { clientErrorHandler, frameworkErrorHandler, installErrorHandling } from './http/error-handler.js';
import { ApiProblem } from './http/problem.js';
import { validatorCompiler } from './http/validation.js';
import { securityHeaders } from './http/security-headers.js';
import { bufferedStdout, OneLinePerRequest } from './http/access-log.js';
import { LOG_SERIALIZERS } from './http/log-serializers.js';
import { routeModules } from './routes/index.js';
import { payPagePlugin } from './payments/index.js';
import { operationRoutes, readPackageVersion } from './routes/operations.js';
import { METERED_PROXY_OPERATIONS } from './routes/proxy.js';
import { refuseResponseOnlyBodies } from './http/media-types.js';
import { leaveBodiesUnread } from './proxy/streamed-body.js';
import type { Handlers, OperationId } from './routes/types.js';

/**
 * Request ids: a random prefix per process and a counter. Unique across instances with
 * overwhelming probability, and no CSPRNG call on every request.
 */
const requestIdPrefix = `req_${randomBytes(6).toString('base64url')}`;
let requestCounter = 0;
const nextRequestId = () => `${requestIdPrefix}${(requestCounter++).toString(36)}`;

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
const here = path.dirname(fileURLToPath(import.meta.url));
export const SPEC_PATH = path.resolve(here, '../../openapi.yaml');

interface Operation {
  operationId: string;
  requestBody?: { required?: boolean; content?: Record<string, { schema?: unknown }> };
  security?: Array<Record<string, unknown>>;
  'x-fastify-config'?: Record<string, unknown>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

export function listOperations(spec: OpenApiDocument): Array<{ method: string; path: string; operation: Operation }> {
  const operations = [];
  for (const [specPath, item] of Object.entries(spec.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method] as Operation | undefined;
      if (operation) operations.push({ method: method.toUpperCase(), path: specPath, operation });
    }
  }
  return operations;
}

/**
 * Node gives header names in lower case, and Fastify validates `headers` against the
 * schema as is: a required `Paddle-Signature` would never be found. Header parameters
 * are matched case-insensitively by HTTP, so their names are lowered for validation.
 */
export function lowercaseHeaderParameters(document: OpenApiDocument): OpenApiDocument {
  const lower = (parameters: unknown) => {
    if (!Array.isArray(parameters)) return;
    for (const parameter of parameters as Array<{ in?: string; name?: string }>) {
      if (parameter?.in === 'header' && typeof parameter.name === 'string') parameter.name = parameter.name.toLowerCase();
    }
  };
  lower(Object.values((document.components as { parameters?: Record<string, unknown> } | undefined)?.parameters ?? {}));
  for (const item of Object.values(document.paths)) {
    lower((item as { parameters?: unknown }).parameters);
    for (const method of HTTP_METHODS) lower((item[method] as { parameters?: unknown } | undefined)?.parameters);
  }
  return document;
}

/** A copy of the spec with only the operations `keep` accepts (header parameters lowered, as Fastify needs). */
export function operationsOf(document: OpenApiDocument, keep: (operationId: string) => boolean): OpenApiDocument {
  const copy = structuredClone(document);
  for (const [specPath, item] of Object.entries(copy.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method] as Operation | undefined;
      if (operation && !keep(operation.operationId)) delete item[method];
    }
    if (!HTTP_METHODS.some((method) => item[method])) delete copy.paths[specPath];
  }
  return lowercaseHeaderParameters(copy);
}

/**
 * The metered proxy streams its bodies unread (proxy/streamed-body.ts): the typed bodies the
 * spec gives some of its operations (`LlmChatRequest`…) describe them for clients, and the
 * stand-in body the proxy scope parses to must not be checked against them.
 */
function withProxyBodiesUnchecked(document: OpenApiDocument): OpenApiDocument {
  for (const { operation } of listOperations(document)) {
    for (const media of Object.values(operation.requestBody?.content ?? {})) media.schema = { $ref: '#/components/schemas/ProxyRequestBody' };
  }
  return document;
}

export function loadSpec(specPath = SPEC_PATH): { text: string; document: OpenApiDocument } {
  const text = readFileSync(specPath, 'utf8');
  return { text, document: parseYaml(text) as OpenApiDocument };
}

function requireBody(request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void {
  done(
    request.body === undefined
      ? new ApiProblem(400, 'validation_failed', 'body is required: send it as application/json.', { errors: [{ path: 'body', message: 'is required' }] })
      : undefined,
  );
}

export interface BuildAppOptions {
  config: Config;
  store: Store;
  /** Pino options or a logger; default: JSON logs at `config.logLevel` with secrets redacted. */
  logger?: FastifyServerOptions['logger'] | false;
  /** Pin the clock (tests). */
  now?: () => Date;
  /**
   * The Mini App's built folder, served at /webapp/ when it holds an index.html (the
   * launcher passes it). `KIKUAI_WEBAPP_DIR` (`config.webappDir`), when set, wins.
   */
  webappDir?: string;
}

export interface KikuaiApp extends FastifyInstance {
  /** The services of this server (`composition.ts`). */
  kikuai: Services;
  /** Every operationId of the spec, and those a route module serves (the contract test compares them). */
  operations: { all: string[]; implemented: string[] };
  /** Every route registered, as `METHOD url` (the contract test checks each is in the spec or a known page). */
  servedRoutes: string[];
  /** Answer readiness probes with 503 from now on (graceful shutdown). */
  beginShutdown(): void;
}

/** Headers and fields that must never reach a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-kikuai-service-token"]',
  'req.headers["x-kikuai-admin-token"]',
  'req.headers["paddle-signature"]',
  'req.headers.cookie',
  'headers.authorization',
  '*.secret',
  '*.api_key',
  '*.token',
];

export async function buildApp(options: BuildAppOptions): Promise<KikuaiApp> {
  const { config } = options;

  // The shipped default: stdout, buffered and written asynchronously (http/access-log.ts).
  const destination = options.logger === undefined ? bufferedStdout() : null;
  const app = Fastify({
    // Query values never reach a log line, whatever logger options a caller passes.
    logger:
      options.logger === undefined
        ? { level: config.logLevel, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, serializers: LOG_SERIALIZERS, stream: destination!.stream }
        : options.logger && typeof options.logger === 'object'
          ? { ...options.logger, serializers: { ...(options.logger as { serializers?: object }).serializers, ...LOG_SERIALIZERS } }
          : options.logger === true
            ? { serializers: LOG_SERIALIZERS }
            : options.logger,
    // One line per request instead of Fastify's two (http/access-log.ts).
    logController: new OneLinePerRequest(),
    bodyLimit: config.bodyLimitBytes,
    // Accept a caller's request id when it is short and plain; otherwise make one.
    requestIdHeader: 'x-request-id',
    genReqId: nextRequestId,
    trustProxy: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Errors before a route runs are problem+json like every other (http/error-handler.ts).
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler: clientErrorHandler(nextRequestId),
  }) as unknown as KikuaiApp;

  // Every service, built once; stopped in the composition root's order when the app closes.
  const composition = composeServices({ config, store: options.store, logger: app.log, now: options.now });
  const services = composition.services;
  const { metrics } = services;
  app.decorate('kikuai', services);
  app.addHook('onClose', async () => {
    await composition.close();
    destination?.close();
  });
  let shuttingDown = false;
  app.decorate('beginShutdown', () => {
    shuttingDown = true;
  });

  const servedRoutes: string[] = [];
  app.decorate('servedRoutes', servedRoutes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) servedRoutes.push(`${method} ${route.url}`);
  });

  app.setValidatorCompiler(validatorCompiler);
  installErrorHandling(app);

  // JSON bodies are parsed here once; routes that verify signatures (Paddle's webhook)
  // also get the exact bytes as `request.rawBody`.
  // JSON only: any other body type is a 415 (Fastify would otherwise accept text/plain unvalidated).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const buffer = body as Buffer;
    if ((request.routeOptions.config as { rawBody?: boolean } | undefined)?.rawBody) {
      (request as unknown as { rawBody: Buffer }).rawBody = buffer;
    }
    if (buffer.length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(buffer.toString('utf8')));
    } catch {
      done(new ApiProblem(400, 'malformed_json', 'The body is not valid JSON.'), undefined);
    }
  });

  // The spec's other media types are responses only (CSV, event streams, YAML, problems):
  // as request bodies they are refused, like any type but JSON.
  refuseResponseOnlyBodies(app);

  // The API answers JSON; /docs and the Mini App set their own policies. Telegram shows
  // the Mini App in a frame, so frames are not refused here.
  const headers = securityHeaders({ contentSecurityPolicy: false, crossOriginEmbedderPolicy: false, frameguard: false });
  // Callback-style hooks: they run on every request, and an async hook costs a promise each.
  app.addHook('onRequest', (request, reply, done) => {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(String(request.id))) request.id = nextRequestId();
    reply.headers(headers.everyResponse);
    reply.header('X-Request-Id', request.id);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(request.routeOptions.url ?? 'unmatched', request.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  await app.register(cors, {
    origin: config.webappUrl ? [new URL(config.webappUrl).origin] : false,
    exposedHeaders: [
      'X-Request-Id',
      'X-Kikuai-Cost-Micros',
      'X-Kikuai-Balance-Micros',
      'RateLimit-Limit',
      'RateLimit-Remaining',
      'RateLimit-Reset',
      'Retry-After',
    ],
  });
  if (config.validateResponses) {
    await app.register(responseValidation, { responseStatusCodeValidation: true, ajv: { coerceTypes: false, strict: false, plugins: [addFormats] } as never });
  }

  const spec = loadSpec();
  const version = readPackageVersion(new URL('../package.json', import.meta.url));
  const handlers: Handlers = {
    ...operationRoutes(services, { specText: spec.text, metrics, version, isShuttingDown: () => shuttingDown }),
  };
  for (const routeModule of routeModules) Object.assign(handlers, routeModule(services));

  const operationsById = new Map(listOperations(spec.document).map((entry) => [entry.operation.operationId, entry.operation]));
  app.decorate('operations', { all: [...operationsById.keys()], implemented: [...operationsById.keys()].filter((id) => id in handlers) });
  const operationResolver = (operationId: string) => {
    const operation = operationsById.get(operationId)!;
    const handler: RouteHandlerMethod =
      (handlers[operationId as OperationId] as RouteHandlerMethod | undefined) ??
      (async () => {
        throw new ApiProblem(501, 'internal_error', `${operationId} is not implemented yet.`);
      });
    // The metered proxy authenticates in its handler: key, limits, permission and price in
    // one store round trip (the store's reserve checks `products:call`).
    if (METERED_PROXY_OPERATIONS.has(operationId)) {
      if (API_KEY_OPERATIONS[operationId]?.permission !== 'products:call') throw new Error(`${operationId} must need products:call (src/auth/permissions.ts).`);
      return { handler };
    }
    // Fastify validates a body only when one came with a content type: a required body
    // that is missing altogether would reach the handler as undefined.
    const preValidation = operation.requestBody?.required ? requireBody : undefined;
    const kinds = callerKindsOf(operation.security);
    if (kinds.size === 0) return { handler, preValidation };
    return {
      handler,
      preValidation,
      preHandler: createAuthenticator(services, kinds, { operationId, autoRegister: operationId !== 'registerAccount' }),
    };
  };
  await app.register(openapiGlue, {
    specification: operationsOf(spec.document, (operationId) => !METERED_PROXY_OPERATIONS.has(operationId)),
    operationResolver,
  } as never);
  // The metered proxy's operations, in their own context: their bodies are streamed to the
  // upstream, never read or parsed here (proxy/streamed-body.ts).
  await app.register(async (proxyScope) => {
    leaveBodiesUnread(proxyScope);
    await proxyScope.register(openapiGlue, {
      specification: withProxyBodiesUnchecked(operationsOf(spec.document, (operationId) => METERED_PROXY_OPERATIONS.has(operationId))),
      operationResolver,
    } as never);
  });

  // Readable documentation of the same spec.
  await app.register(swagger, { mode: 'static', specification: { document: structuredClone(spec.document) as never } });

  // The pages (documentation, the Mini App, the checkout page) get the rest of helmet's
  // headers, those that govern how a browser treats a document.
  await app.register(async (pages) => {
    pages.addHook('onRequest', (_request, reply, done) => {
      reply.headers(headers.documents);
      done();
    });
    await pages.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });

    const webappDir = config.webappDir ?? options.webappDir;
    if (webappDir && existsSync(path.join(webappDir, 'index.html'))) {
      // The Mini App: its files under /webapp/, and its page at /webapp and /webapp/ (routes
      // ignore a trailing slash, so one route serves both). The build writes `.br`/`.gz`
      // beside each file, sent as they are to a browser that accepts them.
      await pages.register(fastifyStatic, {
        root: webappDir,
        prefix: '/webapp/',
        index: false,
        wildcard: true,
        preCompressed: true,
        cacheControl: false,
        setHeaders: (reply, filePath) => {
          reply.header('cache-control', webappCacheControl(filePath));
        },
      });
      pages.get('/webapp', (_request, reply) => reply.sendFile('index.html'));
    }

    // The Paddle checkout page (Paddle's default payment link): a page, not an API operation.
    await pages.register(payPagePlugin(services));
  });

  return app;
}

/**
 * Vite names every asset after its content hash, so a browser may keep one for a year
 * without asking; the page that names them is revalidated on every open, so a deploy
 * shows at once (an old page would ask for assets the new deploy no longer has).
 */
function webappCacheControl(filePath: string): string {
  const hashedAsset = /[\\/]assets[\\/][^\\/]+-[\w-]{8,}\.\w+(?:\.(?:br|gz))?$/.test(filePath);
  return hashedAsset ? 'public, max-age=31536000, immutable' : 'no-cache';
}
