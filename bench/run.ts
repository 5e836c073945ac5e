import { cpus, totalmem } from 'node:os';
import { benchEmailVerified } from './email-verified.bench';
import { benchEventStore } from './event-store.bench';
import { printFigures } from './harness';
import { benchHttp } from './http.bench';
import { benchProjector } from './projector.bench';

/** `npm run bench`: every figure beside its same-run baseline, as markdown for bench/RESULTS.md. */
async function main(): Promise<void> {
  console.log(
    `# Benchmarks ${new Date().toISOString().slice(0, 10)} — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  );
  printFigures('Event store (SQLite, WAL, synchronous=FULL)', await benchEventStore());
  printFigures('HTTP (Fastify adapter, 32 connections)', await benchHttp());
  printFigures('Messaging (RabbitMQ)', await benchEmailVerified());
  printFigures('Projector (SQLite read models)', await benchProjector());
}

void main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
