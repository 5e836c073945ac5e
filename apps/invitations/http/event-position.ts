import type { FastifyReply } from 'fastify';
import type { EventStore } from '../../../libs/event-store';
import { EVENT_POSITION_HEADER } from '../../../libs/platform/http/command-context';

/**
 * Read-your-writes: the position of what the command appended or, when it
 * changed nothing (an idempotent repeat), of the stream's last event.
 */
export async function setEventPosition(
  reply: FastifyReply,
  store: EventStore,
  stream: string,
  appended: bigint | undefined,
): Promise<void> {
  const position = appended ?? (await store.readStream(stream)).at(-1)?.position;
  if (position !== undefined) void reply.header(EVENT_POSITION_HEADER, position.toString());
}
