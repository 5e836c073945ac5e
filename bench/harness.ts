/** Tiny benchmark helpers: every figure is printed beside a baseline measured in the same run. */

export interface Figure {
  name: string;
  unit: string;
  ours: number;
  baseline: number;
  baselineName: string;
  /** Minimum ours/baseline ratio the issue asks for, if any. */
  target?: number;
  /** Set for latency-like figures where lower is better. */
  lowerIsBetter?: boolean;
  /** Ratio of each round, when baseline and ours were measured in alternating rounds. */
  ratios?: number[];
}

export const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));

export const median = (samples: number[]): number => {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * Runs every measurement once per round, in the order given: the machine's
 * speed drifts (it is shared), and runs side by side in one round see the
 * same machine, so ratios are taken within a round. Gives each measurement's
 * results by round.
 */
export async function inTurn<K extends string, T>(
  rounds: number,
  measurements: Record<K, (round: number) => Promise<T>>,
): Promise<Record<K, T[]>> {
  const keys = Object.keys(measurements) as K[];
  const results = Object.fromEntries(keys.map((k) => [k, [] as T[]])) as Record<K, T[]>;
  for (let round = 0; round < rounds; round++) {
    for (const k of keys) results[k].push(await measurements[k](round));
  }
  return results;
}

/** Baseline and ours in turn (see `inTurn`), with every round's ratio. */
export async function alternate<T>(
  rounds: number,
  baseline: (round: number) => Promise<T>,
  ours: (round: number) => Promise<T>,
  value: (result: T) => number,
  lowerIsBetter = false,
): Promise<{ baseline: T[]; ours: T[]; ratios: number[] }> {
  const runs = await inTurn(rounds, { baseline, ours });
  const ratios = runs.ours.map((o, i) =>
    lowerIsBetter ? value(runs.baseline[i]) / value(o) : value(o) / value(runs.baseline[i]),
  );
  return { ...runs, ratios };
}

export async function rate(count: number, work: () => Promise<void> | void): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return count / seconds;
}

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));

export function printFigures(title: string, figures: Figure[]): void {
  console.log(`\n## ${title}\n`);
  console.log('| figure | ours | baseline | ratio | target |');
  console.log('|---|---|---|---|---|');
  for (const f of figures) {
    const ratio = f.ratios?.length
      ? median(f.ratios)
      : f.lowerIsBetter
        ? f.baseline / f.ours
        : f.ours / f.baseline;
    const rounds =
      f.ratios && f.ratios.length > 1
        ? ` (${f.ratios.length} rounds: ${f.ratios.map((r) => `${(r * 100).toFixed(0)}%`).join(', ')})`
        : '';
    const target =
      f.target === undefined
        ? ''
        : `≥ ${Math.round(f.target * 100)}% ${ratio >= f.target ? 'met' : 'MISSED'}`;
    console.log(
      `| ${f.name} | ${fmt(f.ours)} ${f.unit} | ${fmt(f.baseline)} ${f.unit} (${f.baselineName}) | ${(ratio * 100).toFixed(0)}%${rounds} | ${target} |`,
    );
  }
}
