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
    const ratio = f.lowerIsBetter ? f.baseline / f.ours : f.ours / f.baseline;
    const target =
      f.target === undefined
        ? ''
        : `≥ ${Math.round(f.target * 100)}% ${ratio >= f.target ? 'met' : 'MISSED'}`;
    console.log(
      `| ${f.name} | ${fmt(f.ours)} ${f.unit} | ${fmt(f.baseline)} ${f.unit} (${f.baselineName}) | ${(ratio * 100).toFixed(0)}% | ${target} |`,
    );
  }
}
