import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { invalid } from '../errors/app-error';
import { httpError, replyWithProblem, toProblem } from './problem-details.filter';

/** Deeper JSON than any request of ours needs; beyond it validation would recurse without bound. */
export const MAX_BODY_DEPTH = 32;

/** Answers a refusal made before any route runs, as the exception filter answers the others. */
export const sendProblem = (reply: FastifyReply, error: unknown) =>
  replyWithProblem(reply, toProblem(error));

/**
 * Fastify answers malformed URLs (bad percent-encoding) before any route runs;
 * this makes those answers problem+json too.
 */
export function frameworkErrors(
  _error: { code?: string; message: string },
  _req: FastifyRequest,
  reply: FastifyReply,
) {
  const detail = 'The request URL is malformed.';
  return sendProblem(reply, invalid('bad_request', detail, [{ field: 'url', message: detail }]));
}

/**
 * Answers in problem+json, as every other error, what Node's HTTP parser
 * refuses before any route sees a request (framing it cannot read, a header
 * block too large, a request too slow to arrive), then closes the
 * connection as Node does, since nothing more can be read from it.
 */
export function clientErrors(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [statusCode, detail] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'The request took too long to arrive.']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'The request headers are too large.']
        : [400, 'The request is not well-formed HTTP.'];
  const problem = toProblem(
    statusCode === 400
      ? invalid('bad_request', detail, [{ field: 'request', message: detail }])
      : httpError(statusCode, detail),
  );
  const body = JSON.stringify(problem);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\n` +
        `Content-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/**
 * Node answers an `Expect` other than `100-continue` itself, with an empty
 * 417, unless the server listens for it; this answers it in problem+json.
 */
export function refuseExpectation(_req: IncomingMessage, res: ServerResponse): void {
  const detail = 'The request expects what this service does not do; only 100-continue is met.';
  const body = JSON.stringify(toProblem(httpError(417, detail)));
  res.writeHead(417, {
    'content-type': 'application/problem+json',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  res.end(body);
}

/**
 * HTTP/1.1 requires a Host header. Node refuses a request without one with
 * an empty 400 unless told not to; the server is told not to, and this
 * refuses it in problem+json instead.
 */
export async function requireHost(request: FastifyRequest, reply: FastifyReply) {
  if (request.raw.httpVersion !== '1.1' || request.headers.host !== undefined) return;
  const detail = 'An HTTP/1.1 request must carry a Host header.';
  reply.header('connection', 'close'); // as Node closed it
  return sendProblem(reply, invalid('bad_request', detail, [{ field: 'host', message: detail }]));
}

/**
 * Refuses, with 400 before validation runs, bodies nested deeper than
 * MAX_BODY_DEPTH and strings that are not well-formed Unicode (a lone
 * surrogate makes validators such as isEmail throw instead of answering).
 */
export async function guardBody(request: FastifyRequest, reply: FastifyReply) {
  const problem = inspectBody(request.body, MAX_BODY_DEPTH);
  if (problem === 'too_deep') {
    return sendProblem(
      reply,
      invalid('body_too_deep', `The JSON body is nested deeper than ${MAX_BODY_DEPTH} levels.`),
    );
  }
  if (problem === 'malformed_text') {
    return sendProblem(
      reply,
      invalid('malformed_text', 'The JSON body has text that is not valid Unicode.'),
    );
  }
}

/** Iterative, so the check itself cannot overflow the stack. */
export function inspectBody(
  value: unknown,
  maxDepth: number,
): 'too_deep' | 'malformed_text' | null {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v === 'string') {
      if (!v.isWellFormed()) return 'malformed_text';
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= maxDepth) return 'too_deep';
    for (const [key, child] of Object.entries(v)) {
      if (!key.isWellFormed()) return 'malformed_text';
      stack.push([child, depth + 1]);
    }
  }
  return null;
}
