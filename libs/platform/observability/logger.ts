import { Logger as NestLogger, type LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';

/**
 * JSON logs (pino). Request logs carry the correlation id as `reqId`; event
 * and message handlers log the correlation id from the event's metadata, so
 * one id follows a request through events to messages.
 */
export function createLogger(
  service: string,
  level = process.env.LOG_LEVEL ?? 'info',
  destination?: pino.DestinationStream,
): Logger {
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Tokens travel in bodies and the Authorization header; neither is ever logged.
      redact: ['req.headers.authorization', 'token', '*.token', 'password', '*.password'],
      // Fastify logs requests with this in place of its own serializer.
      serializers: { req: requestForLog },
    },
    destination,
  );
}

/** The request fields Fastify logs, with a URL that never shows a token. */
function requestForLog(req: {
  method: string;
  url: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}) {
  return {
    method: req.method,
    url: withoutTokens(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

/**
 * An email link opened on an API port (`PUBLIC_URL` defaults to one) brings
 * its `?token=` to the request log; the value is replaced.
 */
const withoutTokens = (url: string) => url.replace(/([?&]token=)[^&#]*/gi, '$1[Redacted]');

/** Nest's logger interface over pino, so framework messages are JSON too. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string) {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
}

/** What a service's parts made by Nest log with. */
export type PartLog = Pick<LoggerService, 'log' | 'warn' | 'error'>;

/** The log of a service's parts made by Nest, by context: `SERVICE_LOG` in its container. */
export type ServiceLog = (context: string) => PartLog;
export const SERVICE_LOG = Symbol('SERVICE_LOG');

/**
 * Logs under the service's own `service`: Nest's static logger is the last
 * app's, so under `npm start` identity's lines said projector. Without a
 * logger (tests), Nest's as before.
 */
export const serviceLog =
  (logger?: Logger): ServiceLog =>
  (context) =>
    logger ? new PinoNestLogger(logger.child({ context })) : new NestLogger(context);
