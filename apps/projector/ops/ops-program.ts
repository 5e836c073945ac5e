import { Command, InvalidArgumentError, type OutputConfiguration } from 'commander';
import {
  discardDeadLetters,
  listDeadLetters,
  republish,
  retryDeadLetters,
  type DeadLetterChoice,
} from './commands/messages';
import { rebuild, showProjections } from './commands/projections';
import { clearRateLimit, type ClearTarget } from './commands/rate-limits';
import { listParked, replay, replayParked } from './commands/replay';
import { showStream } from './commands/streams';
import { REBUILD_BATCH } from '../projector/rebuild';
import type { OpsContext } from './ops-context';

/** Positions are signed 64-bit in SQLite; KurrentDB's unsigned ones do not come near. */
const MAX_POSITION = 2n ** 63n - 1n;
const position = (value: string): bigint => {
  if (!/^\d{1,19}$/.test(value) || BigInt(value) > MAX_POSITION)
    throw new InvalidArgumentError(
      `must be an event position (a whole number up to ${MAX_POSITION})`,
    );
  return BigInt(value);
};
const count = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000)
    throw new InvalidArgumentError('must be a whole number from 1 to 10000');
  return n;
};

/**
 * The ops CLI. `context` opens the adapters on first use (so `--help` needs
 * none) and every command runs on the same ones.
 */
export function opsProgram(
  context: () => Promise<OpsContext>,
  /** Where help and refusals go; every command takes it from here as it is made. */
  output: OutputConfiguration = {},
): Command {
  const program = new Command('ops')
    .configureOutput(output)
    .description(
      'Inspect event streams, replay and rebuild projections, re-publish events, handle dead ' +
        'letters, lift rate-limit lockouts.',
    )
    // A pointer, not the whole help: the refusal stays readable in a terminal or a log.
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const run =
    <A extends unknown[]>(fn: (ctx: OpsContext, ...args: A) => Promise<void>) =>
    async (...args: A) =>
      fn(await context(), ...args);

  const streams = program.command('streams').description('Event streams.');
  streams
    .command('show <stream>')
    .description('Print every event of a stream: position, revision, time, type, data.')
    .action(run((ctx, stream: string) => showStream(ctx, stream)));

  program
    .command('projections')
    .description('Position, lag, status and parked events of each projection.')
    .action(run((ctx) => showProjections(ctx)));

  program
    .command('rebuild <projection...>')
    .description(
      'Blue-green rebuild: build a new version from position 0 while the active one serves, then ' +
        'switch. Several projections (or `all`) are built in one pass over the events.',
    )
    .option('--restart', 'discard a half-built version instead of resuming it')
    .option('--batch <n>', 'events per batch', count, REBUILD_BATCH)
    .action(
      run((ctx, names: string[], o: { restart?: boolean; batch: number }) =>
        rebuild(ctx, names, { restart: o.restart, batch: o.batch }),
      ),
    );

  program
    .command('replay')
    .description(
      'Re-project one stream, or every invitation stream with an event in a position range.',
    )
    .option('--stream <stream>', 'the stream to replay')
    .option('--from <position>', 'first position of the range', position)
    .option('--to <position>', 'last position of the range (default: the head)', position)
    .option('--projection <name>', 'only this projection (default: all)')
    .action(
      run((ctx, o: { stream?: string; from?: bigint; to?: bigint; projection?: string }) =>
        replay(ctx, o),
      ),
    );

  program
    .command('republish')
    .description('Publish again the integration events of the domain events in a position range.')
    .requiredOption('--from <position>', 'first position', position)
    .option('--to <position>', 'last position (default: the head)', position)
    .action(run((ctx, o: { from: bigint; to?: bigint }) => republish(ctx, o.from, o.to)));

  const dlq = program.command('dlq').description('Dead-letter queues of consumer queues.');
  dlq
    .command('list <queue>')
    .description('Messages in <queue>.dlq, oldest first, with the reason.')
    .action(run((ctx, queue: string) => listDeadLetters(ctx, queue)));
  dlq
    .command('retry <queue>')
    .description('Move the messages of <queue>.dlq back to <queue>: every one, or those named.')
    .option('--id <messageId...>', 'only the dead letters with these message ids')
    .action(run((ctx, queue: string, o: DeadLetterChoice) => retryDeadLetters(ctx, queue, o)));
  dlq
    .command('discard <queue>')
    .description('Remove messages of <queue>.dlq for good: those named, or every one with --all.')
    .option('--id <messageId...>', 'the dead letters with these message ids')
    .option('--all', 'every dead letter of the queue')
    .action(run((ctx, queue: string, o: DeadLetterChoice) => discardDeadLetters(ctx, queue, o)));

  const parked = program.command('parked').description('Events a projection could not apply.');
  parked
    .command('list')
    .option('--projection <name>', 'only this projection')
    .action(run((ctx, o: { projection?: string }) => listParked(ctx, o.projection)));
  parked
    .command('replay')
    .description('Replay every stream with parked events (after the cause is fixed).')
    .option('--projection <name>', 'only this projection')
    .action(run((ctx, o: { projection?: string }) => replayParked(ctx, o.projection)));

  program
    .command('rate-limits')
    .description('Rate-limit counters the services share.')
    .command('clear')
    .description(
      'Lift a lockout now: the failed logins of an email (from every address) or of a client ' +
        'address (with its sign-ups), or the invitation sends and resends of a vendor company.',
    )
    .option('--email <email>', 'an email locked out of logging in')
    .option(
      '--address <ip>',
      'a client address refused for failed logins on many emails, or for too many sign-ups',
    )
    .option('--company <id>', 'a vendor company over its invitation limit')
    .action(run((ctx, o: ClearTarget) => clearRateLimit(ctx, o)));

  return program;
}
