import type { CloudEvent } from '../../../../libs/contracts';
import { pagesBetween, type RecordedEvent } from '../../../../libs/event-store';
import { UnroutableError } from '../../../../libs/messaging';
import { toIntegrationEvent as identityEvent } from '../../../identity/publish-email-verified/email-verified.mapping';
import { toIntegrationEvent as invitationEvent } from '../../../invitations/publish-integration-events/to-integration-event';
import { OpsError, rangeEnd, recordLine, type OpsContext } from '../ops-context';

/** Domain event → integration event, through the mappers the services' forwarders use. */
export const toIntegrationEvent = (e: RecordedEvent): CloudEvent | null =>
  invitationEvent(e) ?? identityEvent(e);

const EMBEDDED_BUS =
  'no RABBITMQ_URL: the in-process bus lives inside the service process, so this command cannot reach it';

/** `dlq list <queue>`: the dead letters of a consumer queue, oldest first. */
export async function listDeadLetters(ctx: OpsContext, queue: string): Promise<void> {
  if (!ctx.sharedBroker) throw new OpsError(EMBEDDED_BUS);
  const letters = await ctx.broker.deadLetters(queue);
  if (letters.length === 0) ctx.out(`${queue}.dlq is empty`);
  for (const l of letters)
    ctx.out(recordLine([l.messageId ?? '-', l.type ?? '-', l.reason, l.body]));
}

/** Which dead letters a `dlq` command takes: those with the `--id`s given, or all. */
export interface DeadLetterChoice {
  id?: string[];
  all?: boolean;
}

/** `dlq retry <queue> [--id <id…>]`: moves dead letters back to the queue with a fresh retry budget. */
export async function retryDeadLetters(
  ctx: OpsContext,
  queue: string,
  { id }: DeadLetterChoice = {},
): Promise<void> {
  if (!ctx.sharedBroker) throw new OpsError(EMBEDDED_BUS);
  const { settled, notFound } = await ctx.broker.retryDeadLetters(queue, id);
  ctx.out(`${settled} message(s) moved back to ${queue}${unmatched(queue, notFound)}`);
}

/**
 * `dlq discard <queue> --id <id…> | --all`: removes dead letters for good,
 * such as messages no retry can mend (invalid ones). Nothing is discarded
 * unless it is named or `--all` is given.
 */
export async function discardDeadLetters(
  ctx: OpsContext,
  queue: string,
  { id, all }: DeadLetterChoice,
): Promise<void> {
  if (!ctx.sharedBroker) throw new OpsError(EMBEDDED_BUS);
  if (!id === !all)
    throw new OpsError('name the dead letters to discard with --id, or pass --all for every one');
  const { settled, notFound } = await ctx.broker.discardDeadLetters(queue, id);
  ctx.out(`${settled} message(s) discarded from ${queue}.dlq${unmatched(queue, notFound)}`);
}

/**
 * Names the ids no dead letter had (a wrong id, or one already handled): by
 * id, not by count, since at-least-once delivery can dead-letter copies of one
 * message, and a count would hide a missing id.
 */
const unmatched = (queue: string, missing: string[]) =>
  missing.length ? `; not in ${queue}.dlq: ${missing.join(', ')}` : '';

/**
 * `republish --from <pos> [--to <pos>]`: publishes again the integration
 * events of the domain events in the range. Ids derive from the domain
 * events, so consumers drop what they already handled.
 */
export async function republish(
  ctx: OpsContext,
  from: bigint,
  to?: bigint,
  pageSize = 200,
): Promise<void> {
  if (!ctx.sharedBroker) throw new OpsError(EMBEDDED_BUS);
  const end = await rangeEnd(ctx.eventStore, from, to);
  const bar = ctx.bar('republish', Number(end - from + 1n));
  let published = 0;
  let unrouted = 0;
  try {
    for await (const page of pagesBetween(ctx.eventStore, from, end, pageSize)) {
      const messages = page.map(toIntegrationEvent).filter((m): m is CloudEvent => m !== null);
      if (messages.length) {
        try {
          await ctx.broker.publish(messages);
        } catch (error) {
          if (!(error instanceof UnroutableError)) throw error;
          unrouted += error.types.length; // no queue bound for these types: nobody to tell
        }
        published += messages.length;
      }
      bar.update(Number(page[page.length - 1].position - from + 1n));
    }
  } finally {
    bar.stop();
  }
  ctx.out(
    `republished ${published} integration event(s) from positions ${from}..${end}${unrouted ? ` (${unrouted} of them reached no queue: nobody is bound to their type)` : ''}`,
  );
}
