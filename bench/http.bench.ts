import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { startChildServer } from './child-server';
import { alternate, median, ROUNDS, type Figure } from './harness';
import { postLoad, type LoadResult } from './load';

const run = randomUUID().slice(0, 8);
/** A fresh invitation per request; rounds use different emails, so none is already pending. */
const invitation = (round: number) => (i: number) => ({
  email: `c${i}-${run}-${round}@example.com`,
  firstName: 'Carl',
  lastName: 'Doe',
});

/**
 * POST /invitations against a bare NestJS endpoint on the same adapter, same
 * load, same machine: both servers up, loaded in alternating rounds.
 */
export async function benchHttp(): Promise<Figure[]> {
  const bare = await startChildServer<{ url: string }>(`${__dirname}/servers/bare-nest.server.ts`);
  const svc = await startChildServer<{ url: string; token: string; outboxDir: string }>(
    `${__dirname}/servers/invitations.server.ts`,
  );
  const runs = await alternate(
    ROUNDS,
    (round) => postLoad({ url: `${bare.info.url}/invitations`, body: invitation(round) }),
    (round) =>
      postLoad({
        url: `${svc.info.url}/invitations`,
        headers: { authorization: `Bearer ${svc.info.token}` },
        body: invitation(round),
      }),
    (r) => r.requestsPerSecond,
  );
  await bare.stop();
  const sum = (pick: (r: LoadResult) => number) => runs.ours.reduce((n, r) => n + pick(r), 0);
  // Emails go out after the answer: say how far behind the answers they were when the load stopped.
  const { written, seconds } = await emailsCatchUp(
    svc.info.outboxDir,
    sum((r) => r.ok),
  );
  await svc.stop();
  if (sum((r) => r.non2xx) > 0)
    console.warn(`POST /invitations: ${sum((r) => r.non2xx)} non-2xx answers during the run`);
  console.log(
    `POST /invitations: ${written} of ${sum((r) => r.ok)} invitation emails written ${seconds.toFixed(1)} s after the load stopped`,
  );
  const medianOf = (rs: LoadResult[], pick: (r: LoadResult) => number) => median(rs.map(pick));

  return [
    {
      name: 'POST /invitations throughput',
      unit: 'req/s',
      ours: medianOf(runs.ours, (r) => r.requestsPerSecond),
      baseline: medianOf(runs.baseline, (r) => r.requestsPerSecond),
      baselineName: 'bare NestJS endpoint',
      target: 0.5,
      ratios: runs.ratios,
    },
    {
      name: 'POST /invitations p99 latency',
      unit: 'ms',
      ours: medianOf(runs.ours, (r) => r.p99Ms),
      baseline: medianOf(runs.baseline, (r) => r.p99Ms),
      baselineName: 'bare NestJS endpoint',
      lowerIsBetter: true,
    },
  ];
}

/** Waits (at most 30 s) until the outbox holds `expected` emails; how many it held, and after how long. */
async function emailsCatchUp(
  outboxDir: string,
  expected: number,
): Promise<{ written: number; seconds: number }> {
  const start = Date.now();
  for (;;) {
    const written = (await readdir(outboxDir).catch(() => [])).length;
    const seconds = (Date.now() - start) / 1000;
    if (written >= expected || seconds > 30) return { written, seconds };
    await new Promise((r) => setTimeout(r, 100));
  }
}
