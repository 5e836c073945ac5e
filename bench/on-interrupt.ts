const cleanups = new Set<() => Promise<void>>();

/**
 * Runs `cleanup` if the bench is interrupted (Ctrl-C) before the returned
 * function is called; the latest registered runs first. The benches bind
 * queues to contract types on a shared broker: one left behind would take a
 * copy of every later run's messages, which nobody consumes, so the broker's
 * disk fills and later figures pay for it.
 */
export function onInterrupt(cleanup: () => Promise<void>): () => void {
  if (cleanups.size === 0) process.once('SIGINT', () => void runCleanups());
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
  };
}

async function runCleanups(): Promise<void> {
  for (const cleanup of [...cleanups].reverse()) {
    await cleanup().catch((error: unknown) =>
      process.stderr.write(`  [bench] interrupted: a cleanup failed: ${String(error)}\n`),
    );
  }
  process.stderr.write('  [bench] interrupted: what it had made on the broker is deleted\n');
  process.exit(130);
}
