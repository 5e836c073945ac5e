import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { TrustProxy } from '../config/trust-proxy';
import { PinoNestLogger } from '../observability/logger';
import type { IncomingHttpHeaders } from 'node:http';
import { answerMethodNotAllowed } from './method-not-allowed';
import { withProblemAnswers } from './openapi-problems';
import { ProblemDetailsFilter } from './problem-details.filter';
import { acceptJsonBodies } from './json-body';
import {
  clientErrors,
  frameworkErrors,
  guardBody,
  refuseExpectation,
  requireHost,
  sendProblem,
} from './request-guards';
import { unavailable } from '../errors/app-error';
import { UnexpectedQueryGuard } from './unexpected-query.guard';
import { strictValidationPipe } from './validation.pipe';

/** Node refuses request heads over 16 KiB, so no path parameter can be longer. */
const MAX_URL_BYTES = 16 * 1024;

export interface HttpAppOptions {
  title: string;
  /** Request bodies above this are refused with 413 before any handler runs. */
  bodyLimitBytes?: number;
  /** JSON request and framework logs; omitted (tests), only Nest's errors and warnings are printed. */
  logger?: Logger | false;
  /** Proxies whose `X-Forwarded-For` names the client (`request.ip`); none by default. */
  trustProxy?: TrustProxy;
  /** How long a close waits for requests in flight before cutting every connection; 10 s by default. */
  closeGraceMs?: number;
  /**
   * How long a request may take to arrive, head and body, before it is answered 408 and its
   * connection closed; 30 s by default. Answering it is not counted.
   */
  requestTimeoutMs?: number;
}

const SHUTTING_DOWN = 'The service is shutting down; retry shortly, another instance may answer.';

/** Below the 30 s a container gets to stop (docker-compose.yml), so the rest of the shutdown runs. */
const CLOSE_GRACE_MS = 10_000;

/** Bodies are at most a few KiB: a client still sending one after this is holding a socket. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Every service's HTTP shell: Fastify, problem+json for every error, strict
 * DTO validation, a correlation id per request, OpenAPI at /docs.
 */
export async function createHttpApp(
  module: Type<unknown> | DynamicModule,
  options: HttpAppOptions,
): Promise<NestFastifyApplication> {
  const requestTimeout = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const adapter = new FastifyAdapter({
    // Fastify turns Node's request timeout off by default, so a client that sent a head and part
    // of its body held the connection for ever. Node looks for late requests at an interval of
    // its own (30 s by default), made shorter so one is answered near its timeout.
    requestTimeout,
    http: {
      requestTimeout,
      headersTimeout: requestTimeout,
      connectionsCheckingInterval: Math.max(10, Math.min(1_000, requestTimeout / 4)),
      // Refused by `requireHost` in problem+json, where Node answers an empty 400.
      requireHostHeader: false,
    },
    bodyLimit: options.bodyLimitBytes ?? 64 * 1024,
    // Fastify matches no route for a path parameter over 100 characters (the default): such an
    // id would get a bare 404 before the caller is checked, not its route's answer.
    routerOptions: { maxParamLength: MAX_URL_BYTES },
    // On close, drop idle keep-alive connections at once but let requests in flight finish:
    // `true` would cut those too, leaving a committed command unanswered.
    forceCloseConnections: 'idle',
    // Fastify's own answer to a request that arrives while closing is plain JSON with no code;
    // the onRequest hook below answers it in problem+json.
    return503OnClosing: false,
    frameworkErrors,
    clientErrorHandler: clientErrors,
    trustProxy: options.trustProxy ?? false,
    ...(options.logger ? { loggerInstance: options.logger } : {}),
    genReqId: (req: { headers: IncomingHttpHeaders }) =>
      headerValue(req.headers['x-correlation-id']) ?? randomUUID(),
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    logger: options.logger
      ? new PinoNestLogger(options.logger)
      : options.logger === false
        ? false
        : ['error', 'warn'],
    abortOnError: false,
    // Bodies are JSON only. Nest would add form parsing, and Fastify parses text/plain:
    // both are types a browser posts cross-site without a preflight, so any page could
    // make its visitors register accounts or ask for emails, from each visitor's address.
    bodyParser: false,
  });
  app.useGlobalFilters(
    new ProblemDetailsFilter(
      options.logger ? options.logger.child({ context: 'http' }) : undefined,
    ),
  );
  app.useGlobalPipes(strictValidationPipe());
  app.useGlobalGuards(new UnexpectedQueryGuard());
  const instance = app.getHttpAdapter().getInstance();
  acceptJsonBodies(instance);
  instance.addHook('preValidation', guardBody);
  instance.server.on('checkExpectation', refuseExpectation);
  // A response finished while the app closes ends its connection, so close() is not held by an
  // idle keep-alive socket until its timeout (the default 'idle' closes only those idle at the start).
  // A client that holds a connection without finishing a request (one that sent nothing, or half a
  // body) is not idle to Node, and closing turns its request timeouts off: past the grace it is cut.
  let closing = false;
  instance.addHook('preClose', (done) => {
    closing = true;
    const server = instance.server;
    const deadline = setTimeout(
      () => server.closeAllConnections(),
      options.closeGraceMs ?? CLOSE_GRACE_MS,
    ).unref();
    server.once('close', () => clearTimeout(deadline));
    done();
  });
  // Requests a connection holds: a pipelined request's answer waits behind the one before it, and
  // `connection: close` on that one would end the connection before the waiting answer is sent.
  const held = new WeakMap<object, number>();
  instance.addHook('onRequest', async (request, reply) => {
    held.set(request.raw.socket, (held.get(request.raw.socket) ?? 0) + 1);
    if (closing) return sendProblem(reply, unavailable('shutting_down', SHUTTING_DOWN, undefined));
  });
  // After the count above: an answer sent from an onRequest hook skips the hooks after it.
  instance.addHook('onRequest', requireHost);
  answerMethodNotAllowed(instance);
  instance.addHook('onResponse', async (request) => {
    const left = (held.get(request.raw.socket) ?? 1) - 1;
    held.set(request.raw.socket, left);
    // Its last answer was queued before the close began, so it carries no `connection: close`:
    // once written, the connection is idle, and is closed rather than held until the grace ends.
    if (closing && left === 0) setImmediate(() => instance.server.closeIdleConnections());
  });
  instance.addHook('onSend', async (request, reply) => {
    reply.header('x-correlation-id', request.id);
    // Answered before its body arrived (a 405, a missing Host): the rest of the body would be
    // read as the connection's next request, or held until the request timeout answered it again.
    if (!request.raw.complete) reply.header('connection', 'close');
    if (closing && (held.get(request.raw.socket) ?? 0) <= 1) reply.header('connection', 'close');
  });
  mountDocs(app, options.title);
  return app;
}

function mountDocs(app: INestApplication, title: string): void {
  const config = new DocumentBuilder().setTitle(title).addBearerAuth().setVersion('1').build();
  SwaggerModule.setup('docs', app, () =>
    withProblemAnswers(SwaggerModule.createDocument(app, config)),
  );
}

function headerValue(h: string | string[] | undefined): string | undefined {
  const v = Array.isArray(h) ? h[0] : h;
  return v && /^[\w.:-]{1,128}$/.test(v) ? v : undefined;
}
