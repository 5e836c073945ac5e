import { SingleBar, Presets } from 'cli-progress';

export interface ProgressBar {
  update(value: number, total?: number): void;
  stop(): void;
}

/** A progress bar on stderr (drawn only on a terminal), so stdout stays parseable. */
export function terminalBar(label: string, total: number): ProgressBar {
  const bar = new SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} | {duration_formatted}`,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  bar.start(Math.max(total, 1), 0);
  return {
    update: (value, newTotal) => {
      if (newTotal !== undefined) bar.setTotal(Math.max(newTotal, 1));
      bar.update(value);
    },
    stop: () => bar.stop(),
  };
}

/** No drawing at all, for tests and scripts. */
export const silentBar = (): ProgressBar => ({ update: () => undefined, stop: () => undefined });
