import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { startChildServer } from './child-server';
import { inTurn, median, ROUNDS, type Figure } from './harness';
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
 * load, same machine, loaded in turn in every round. Between the two, the
 * same service with nothing stored or mailed shows what the contract's HTTP
 * work (auth, validation, decisions, tokens) costs before any I/O.
 */
export async function benchHttp(): Promise<Figure[]> {
  const bare = await startChildServer<{ url: string }>(`${__dirname}/servers/bare-nest.server.ts`);
  const noIo = await startChildServer<{ url: string; tokens: string[] }>(
    `${__dirname}/servers/invitations-no-io.server.ts`,
  );
  const svc = await startChildServer<{ url: string; tokens: string[]; outboxDir: string }>(
    `${__dirname}/servers/invitations.server.ts`,
  );
  const asVendor = (server: { url: string; tokens: string[] }) => (round: number) =>
    postLoad({
      url: `${server.url}/invitations`,
      headers: { authorization: `Bearer ${server.tokens[round % server.tokens.length]}` },
      body: invitation(round),
    });
  const cpu = { baseline: [] as number[], ours: [] as number[] };
  const runs = await inTurn(ROUNDS, {
    baseline: withCpu(bare, cpu.baseline, (round) =>
      postLoad({ url: `${bare.info.url}/invitations`, body: invitation(round) }),
    ),
    noIo: asVendor(noIo.info),
    ours: withCpu(svc, cpu.ours, asVendor(svc.info)),
  });
  await noIo.stop();
  await bare.stop();
  const sum = (pick: (r: LoadResult) => number) => runs.ours.reduce((n, r) => n + pick(r), 0);
  // Emails go out after the answer: say how far behind the answers they were when the load stopped.
  const { written, seconds } = await emailsCatchUp(
    svc.info.outboxDir,
    sum((r) => r.ok),
  );
  await svc.stop();
  const refused = [...runs.ours, ...runs.noIo].reduce((n, r) => n + r.non2xx, 0);
  if (refused > 0) console.warn(`POST /invitations: ${refused} non-2xx answers during the run`);
  console.log(
    `POST /invitations: ${written} of ${sum((r) => r.ok)} invitation emails written ${seconds.toFixed(1)} s after the load stopped`,
  );
  const medianOf = (rs: LoadResult[], pick: (r: LoadResult) => number) => median(rs.map(pick));
  const ratios = (rs: LoadResult[]) =>
    rs.map((r, i) => r.requestsPerSecond / runs.baseline[i].requestsPerSecond);

  return [
    {
      name: 'POST /invitations throughput',
      unit: 'req/s',
      ours: medianOf(runs.ours, (r) => r.requestsPerSecond),
      baseline: medianOf(runs.baseline, (r) => r.requestsPerSecond),
      baselineName: 'bare NestJS endpoint',
      target: 0.5,
      ratios: ratios(runs.ours),
    },
    {
      name: 'POST /invitations p99 latency',
      unit: 'ms',
      ours: medianOf(runs.ours, (r) => r.p99Ms),
      baseline: medianOf(runs.baseline, (r) => r.p99Ms),
      baselineName: 'bare NestJS endpoint',
      lowerIsBetter: true,
    },
    {
      name: 'POST /invitations with nothing stored or mailed (the same routes, guards and decisions)',
      unit: 'req/s',
      ours: medianOf(runs.noIo, (r) => r.requestsPerSecond),
      baseline: medianOf(runs.baseline, (r) => r.requestsPerSecond),
      baselineName: 'bare NestJS endpoint',
      ratios: ratios(runs.noIo),
    },
    ...(cpu.ours.length === ROUNDS && cpu.baseline.length === ROUNDS
      ? [
          {
            name: 'POST /invitations server CPU per request (every thread of its process)',
            unit: 'µs',
            ours: median(cpu.ours),
            baseline: median(cpu.baseline),
            baselineName: 'bare NestJS endpoint',
            lowerIsBetter: true,
            ratios: cpu.ours.map((ours, i) => cpu.baseline[i] / ours),
          },
        ]
      : []),
  ];
}

/** Runs a load and keeps the CPU its server used per request (where /proc shows it). */
function withCpu(
  server: { cpuMicros: () => number | undefined },
  perRequest: number[],
  load: (round: number) => Promise<LoadResult>,
) {
  return async (round: number) => {
    const start = server.cpuMicros();
    const result = await load(round);
    const end = server.cpuMicros();
    if (start !== undefined && end !== undefined) {
      perRequest.push((end - start) / (result.ok + result.non2xx));
    }
    return result;
  };
}

/** Waits (at most 30 s) until the outbox holds `expected` emails; how many it held, and after how long. */
async function emailsCatchUp(
  outboxDir: string,
  expected: number,
): Promise<{ written: number; seconds: number }> {
  const start = Date.now();
  for (;;) {
    // Whole messages only: one being written has a hidden temporary name.
    const names = await readdir(outboxDir).catch(() => [] as string[]);
    const written = names.filter((name) => name.endsWith('.eml')).length;
    const seconds = (Date.now() - start) / 1000;
    if (written >= expected || seconds > 30) return { written, seconds };
    await new Promise((r) => setTimeout(r, 100));
  }
}
