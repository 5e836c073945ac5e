import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { printFigures, type Figure } from './harness';
import { benchQueries } from './projector/queries.bench';
import { benchRebuild } from './projector/rebuild.bench';

/** Rebuild throughput of both projections beside raw writes, and list latency as the read model grows. */
export async function benchProjector(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-projector-'));
  try {
    return [...(await benchRebuild(dir)), ...(await benchQueries(dir))];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  void benchProjector().then((f) =>
    printFigures('Projector (SQLite read models, WAL, synchronous=NORMAL)', f),
  );
}
