import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AppError, causeOf, type ErrorKind, type FieldError } from '../errors/app-error';
import { RefusalCounts } from './refusal-counts';

const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  payload_too_large: 413,
  rate_limited: 429,
  unavailable: 503,
};

/** Codes for errors raised by the framework rather than by our code. */
const HTTP_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  417: 'expectation_failed',
  431: 'headers_too_large',
  429: 'rate_limited',
  503: 'not_ready',
};

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldError[];
  [extra: string]: unknown;
}

/** The one place errors become HTTP: RFC 9457 problem+json with a stable `code`. */
export function toProblem(error: unknown): ProblemDocument {
  const problem = documentOf(error);
  // The contract gives every 400 its `errors`; a refusal that names no field is about the body.
  return problem.status === 400 && !problem.errors
    ? { ...problem, errors: [{ field: 'body', message: problem.detail }] }
    : problem;
}

function documentOf(error: unknown): ProblemDocument {
  if (error instanceof AppError) {
    const status = STATUS[error.kind];
    return {
      ...error.extra,
      type: `urn:problem:${error.code}`,
      title: error.code.replace(/_/g, ' '),
      status,
      detail: error.message,
      code: error.code,
      ...(error.errors ? { errors: error.errors } : {}),
    };
  }
  const status = httpStatusOf(error);
  if (status && (status < 500 || status === 503)) {
    const code = HTTP_CODES[status] ?? 'bad_request';
    return {
      type: `urn:problem:${code}`,
      title: code.replace(/_/g, ' '),
      status,
      detail: withoutQuery(messageOf(error)),
      code,
      ...detailsOf(error),
      // Terminus's 503 (`not_ready`) says when to come back, as every other 503 does.
      ...(status === 503 ? { retryAfterSeconds: 1 } : {}),
    };
  }
  return {
    type: 'urn:problem:internal_error',
    title: 'internal error',
    status: 500,
    detail: 'An unexpected error occurred.',
    code: 'internal_error',
  };
}

/** Where the filter tells of 5xx answers. */
export interface ErrorLog {
  error(message: unknown): void;
  warn(message: string): void;
}

@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  /**
   * The app's own log, so its lines carry its service: Nest's static logger is one per process,
   * the last app's, where `npm start` runs three.
   */
  constructor(private readonly logger: ErrorLog = new Logger('http')) {}

  /** A dependency's outage refuses every request for as long as it lasts: told by code, counted. */
  private readonly refusals = new RefusalCounts((line) => this.logger.warn(line));

  catch(error: unknown, host: ArgumentsHost): void {
    const problem = toProblem(error);
    // A crash is logged with its stack, each one: it is a bug.
    if (problem.status === 500) this.logger.error(error instanceof Error ? error.stack : error);
    // `/ready` tells of its own changes (OpsEndpointsModule); a probe's answer repeats them.
    // What lies behind a 503 we raised is kept for the log, never answered.
    else if (problem.status >= 500 && problem.code !== 'not_ready') {
      this.refusals.refused(problem.code, oneLine(problem) + causeOf(error));
    }
    void replyWithProblem(host.switchToHttp().getResponse<FastifyReply>(), problem);
  }
}

/**
 * Sends a problem document; one that says when to come back (429, 503) says it in the standard
 * header too. A 401 of a bearer-protected route carries its challenge (RFC 6750 §3) in
 * `wwwAuthenticate`, which goes to the `WWW-Authenticate` header alone.
 */
export function replyWithProblem(
  reply: FastifyReply,
  { wwwAuthenticate, ...problem }: ProblemDocument,
) {
  if (typeof problem.retryAfterSeconds === 'number') {
    void reply.header('retry-after', String(Math.max(1, Math.ceil(problem.retryAfterSeconds))));
  }
  if (typeof wwwAuthenticate === 'string') void reply.header('www-authenticate', wwwAuthenticate);
  return reply
    .status(problem.status)
    .header('content-type', 'application/problem+json')
    .send(problem);
}

/** An error the HTTP layer answers itself, mapped by its status to the code of HTTP_CODES. */
export const httpError = (statusCode: number, detail: string) =>
  Object.assign(new Error(detail), { statusCode });

/** Status of a Nest HttpException or a Fastify error (bad JSON, body too large, bad media type). */
function httpStatusOf(error: unknown): number | undefined {
  if (error instanceof HttpException) return error.getStatus();
  const status = (error as { statusCode?: unknown })?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** Terminus puts per-dependency states in the body of its 503; keep them for operators. */
function detailsOf(error: unknown): Record<string, unknown> {
  if (!(error instanceof HttpException)) return {};
  const body = error.getResponse();
  return typeof body === 'object' && body && 'details' in body
    ? { checks: (body as { details: unknown }).details }
    : {};
}

function messageOf(error: unknown): string {
  if (error instanceof HttpException) {
    const body = error.getResponse();
    if (typeof body === 'object' && body && 'message' in body) {
      const m = (body as { message: unknown }).message;
      return Array.isArray(m) ? m.join('; ') : String(m);
    }
  }
  return error instanceof Error ? error.message : 'Request could not be processed.';
}

/**
 * The router's "Cannot GET /verify-email?token=…" without its query: a link's token opened on
 * the API, rather than on the front end, is not answered back to whatever stores the answer.
 */
const withoutQuery = (message: string) => message.replace(/^(Cannot [A-Z]+ [^?\s]*)\?\S*/, '$1');

/** `event_store_unavailable: The event store …`: a refusal's code and detail. */
const oneLine = (problem: ProblemDocument) => `${problem.code}: ${problem.detail}`;
