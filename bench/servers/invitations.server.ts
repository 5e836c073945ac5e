// The invitation service as `npm start` runs it (embedded adapters, fsync on), plus identity for vendor tokens.
import 'reflect-metadata';
import { join } from 'node:path';
import { startInvitations } from '../../apps/invitations/start-invitations';
import { announceReady, infrastructureWithVendors } from './invitations-setup';

void (async () => {
  const { dataDir, infra, tokens } = await infrastructureWithVendors('bench-invitations-');
  const invitations = await startInvitations(infra, 0);
  announceReady({ url: invitations.url, tokens, outboxDir: join(dataDir, 'outbox') });
})();
