import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { startChildServer } from './child-server';
import type { Figure } from './harness';
import { postLoad } from './load';

const run = randomUUID().slice(0, 8);
const invitation = (i: number) => ({
  email: `c${i}-${run}@example.com`,
  firstName: 'Carl',
  lastName: 'Doe',
});

/** POST /invitations against a bare NestJS endpoint on the same adapter, same load, same machine. */
export async function benchHttp(): Promise<Figure[]> {
  const bare = await startChildServer<{ url: string }>(`${__dirname}/servers/bare-nest.server.ts`);
  const baseline = await postLoad({ url: `${bare.info.url}/invitations`, body: invitation });
  await bare.stop();

  const svc = await startChildServer<{ url: string; token: string; outboxDir: string }>(
    `${__dirname}/servers/invitations.server.ts`,
  );
  const ours = await postLoad({
    url: `${svc.info.url}/invitations`,
    headers: { authorization: `Bearer ${svc.info.token}` },
    body: invitation,
  });
  // Emails go out after the answer: say how far behind the answers they were when the load stopped.
  const { written, seconds } = await emailsCatchUp(svc.info.outboxDir, ours.ok);
  await svc.stop();
  if (ours.non2xx > 0)
    console.warn(`POST /invitations: ${ours.non2xx} non-2xx answers during the run`);
  console.log(
    `POST /invitations: ${written} of ${ours.ok} invitation emails written ${seconds.toFixed(1)} s after the load stopped`,
  );

  return [
    {
      name: 'POST /invitations throughput',
      unit: 'req/s',
      ours: ours.requestsPerSecond,
      baseline: baseline.requestsPerSecond,
      baselineName: 'bare NestJS endpoint',
      target: 0.5,
    },
    {
      name: 'POST /invitations p99 latency',
      unit: 'ms',
      ours: ours.p99Ms,
      baseline: baseline.p99Ms,
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
