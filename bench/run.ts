import { cpus, totalmem } from 'node:os';
import { benchEventStore } from './event-store.bench';
import { printFigures } from './harness';

/** `npm run bench`: every figure beside its same-run baseline, as markdown for bench/RESULTS.md. */
async function main(): Promise<void> {
  console.log(
    `# Benchmarks ${new Date().toISOString().slice(0, 10)} — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  );
  printFigures('Event store (SQLite, WAL, synchronous=FULL)', await benchEventStore());
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
