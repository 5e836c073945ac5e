import { SqliteEventStore } from '../../event-store/sqlite/sqlite-event-store';
import { newEvent } from '../../event-store/testing/event-store.contract';
import { wantedWhile } from './mailing.provider';

type Linked = { type: 'Linked' | 'Ended'; data: { tokenHash?: string } };
type State = { ended: boolean };

/** A link that is wanted until its stream records an end. */
const link = {
  initialState: (): State => ({ ended: false }),
  evolve: (s: State, e: Linked): State => ({ ended: s.ended || e.type === 'Ended' }),
};
const notEnded = (s: State) => !s.ended;

describe('wantedWhile', () => {
  let store: SqliteEventStore;
  const wanted = (stream: string, tokenHash: string) =>
    wantedWhile(link, notEnded)(store)({ stream, tokenHash });
  beforeEach(() => (store = new SqliteEventStore(':memory:')));
  afterEach(() => store.close());

  describe('when the stream holds the mail’s token', () => {
    it('asks the test of the state folded from it', async () => {
      await store.append('s-1', [newEvent('Linked', { tokenHash: 'h1' })], 'no_stream');
      expect(await wanted('s-1', 'h1')).toBe(true);
      await store.append('s-1', [newEvent('Ended')], 0);
      expect(await wanted('s-1', 'h1')).toBe(false);
    });
  });

  describe('when the read does not show the mail’s token (a follower behind the leader)', () => {
    it('wants the mail rather than drop one whose command committed', async () => {
      expect(await wanted('s-missing', 'h1')).toBe(true);
      await store.append(
        's-2',
        [newEvent('Linked', { tokenHash: 'h0' }), newEvent('Ended')],
        'no_stream',
      );
      expect(await wanted('s-2', 'h1')).toBe(true);
    });
  });
});
