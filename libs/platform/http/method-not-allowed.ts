import type { FastifyInstance } from 'fastify';
import { httpError } from './problem-details.filter';
import { sendProblem } from './request-guards';

/**
 * A request whose path exists with other methods answers 405 with `Allow`
 * (RFC 9110 §15.5.6), not 404, so a client can tell a wrong method from a
 * wrong path; OPTIONS on such a path answers 204 with `Allow`. Routes are
 * collected as they are registered, so this is called before the app starts.
 */
export function answerMethodNotAllowed(instance: FastifyInstance): void {
  const routes: Array<{ path: RegExp; methods: string[] }> = [];
  instance.addHook('onRoute', (route) => {
    routes.push({ path: pathPattern(route.url), methods: [route.method].flat() });
  });
  instance.addHook('onRequest', async (request, reply) => {
    if (!request.is404) return;
    const path = request.url.split('?', 1)[0];
    const allowed = [...new Set(routes.filter((r) => r.path.test(path)).flatMap((r) => r.methods))];
    if (allowed.length === 0) return;
    void reply.header('allow', allowed.sort().join(', '));
    if (request.method === 'OPTIONS') return reply.status(204).send();
    const detail = `${request.method} is not allowed here; allowed: ${allowed.join(', ')}.`;
    return sendProblem(reply, httpError(405, detail));
  });
}

/** A route's URL as a regular expression: `:name` matches one segment, `*` the rest. */
function pathPattern(url: string): RegExp {
  const source = url
    .split(/(:\w+|\*)/)
    .map((part) =>
      part === '*'
        ? '.*'
        : part.startsWith(':')
          ? '[^/]+'
          : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  // Exactly as the router matches: `/echo/` is not `/echo`, and stays a 404.
  return new RegExp(`^${source}$`);
}
