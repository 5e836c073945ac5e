import autocannon from 'autocannon';

export interface LoadResult {
  requestsPerSecond: number;
  p99Ms: number;
  non2xx: number;
  /** 2xx answers during the run. */
  ok: number;
}

/** Drives POST requests with a fresh body each time; reports throughput and p99 latency. */
export async function postLoad(options: {
  url: string;
  headers?: Record<string, string>;
  body: (i: number) => unknown;
  connections?: number;
  durationSeconds?: number;
}): Promise<LoadResult> {
  let i = 0;
  const result = await autocannon({
    url: options.url,
    method: 'POST',
    connections: options.connections ?? 32,
    duration: options.durationSeconds ?? Number(process.env.BENCH_HTTP_SECONDS ?? 8),
    headers: { 'content-type': 'application/json', ...options.headers },
    requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify(options.body(i++)) }) }],
  });
  return {
    requestsPerSecond: result.requests.average,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx + result.errors,
    ok: result['2xx'],
  };
}
