import { randomUUID } from 'node:crypto';
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

  const svc = await startChildServer<{ url: string; token: string }>(
    `${__dirname}/servers/invitations.server.ts`,
  );
  const ours = await postLoad({
    url: `${svc.info.url}/invitations`,
    headers: { authorization: `Bearer ${svc.info.token}` },
    body: invitation,
  });
  await svc.stop();
  if (ours.non2xx > 0)
    console.warn(`POST /invitations: ${ours.non2xx} non-2xx answers during the run`);

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
