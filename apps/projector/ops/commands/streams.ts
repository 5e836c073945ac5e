import { recordLine, type OpsContext } from '../ops-context';

/** `streams show <stream>`: every event of a stream with its position, revision, type, time and data. */
export async function showStream(ctx: OpsContext, stream: string): Promise<void> {
  const events = await ctx.eventStore.readStream(stream);
  if (events.length === 0) {
    ctx.out(`stream ${stream} is empty or does not exist`);
    return;
  }
  for (const e of events) {
    ctx.out(
      recordLine([
        e.position.toString(),
        `r${e.revision}`,
        String(e.metadata.occurredAt ?? '-'), // other writers' events may carry no time of ours
        e.type,
        JSON.stringify(e.data, withoutSecrets),
      ]),
    );
  }
}

/**
 * A password hash is printed as redacted: ops output ends up in tickets and
 * chats, and a hash there can be cracked offline. Token hashes stay: their
 * tokens are random, 256 bits, so the hash gives nothing away.
 */
function withoutSecrets(key: string, value: unknown): unknown {
  return key === 'passwordHash' ? '[redacted]' : value;
}
