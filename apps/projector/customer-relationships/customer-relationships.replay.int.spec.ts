import { appendTo, events } from '../testing/invitation-events';
import { opsOn } from '../testing/ops-test-context';
import { projectorFixture, type ProjectorFixture } from '../testing/projector-fixture';
import type { Projection } from '../projector/projection';
import { customerRelationshipsProjection } from './customer-relationships.projection';

describe('customer relationships replayed', () => {
  let f: ProjectorFixture;
  beforeEach(() => {
    f = projectorFixture();
  });
  afterEach(() => f.close());
  const relationships = async () =>
    (
      await f.readModels.listRelationships('customer-relationships', {
        vendorId: 'vendor-1',
        limit: 10,
      })
    ).items;
  /** The stored row, with the positions it keeps beside the view. */
  const storedRow = async () => {
    const projection = 'customer-relationships';
    const target = { projection, version: (await f.readModels.activeVersion(projection))! };
    const key = { vendorId: 'vendor-1', customerCompanyId: 'co-1' };
    return f.readModels.loadRelationships(target, [key]);
  };

  describe('when a parked acceptance is replayed after a later one created the relationship', () => {
    it.each([
      { x: 'C-X', y: 'C-Y', customerNumber: 'C-X' },
      { x: undefined, y: 'C-Y', customerNumber: 'C-Y' },
    ])(
      'makes it what a rebuild makes: created by the earlier acceptance (numbers $x, $y)',
      async ({ x, y, customerNumber }) => {
        let broken = true;
        const flaky: Projection = {
          ...customerRelationshipsProjection,
          apply: (event, rows) => {
            if (broken && event.type === 'InvitationAccepted' && event.invitationId === 'x')
              throw new Error('cannot project this');
            return customerRelationshipsProjection.apply(event, rows);
          },
        };
        const projector = f.startProjector({
          projections: [flaky],
          retry: { attempts: 1, backoffMs: 1 },
        });
        await appendTo(f.eventStore, 'x', events.sent('x', { customerNumber: x }, 1));
        await appendTo(f.eventStore, 'y', events.sent('y', { customerNumber: y }, 2));
        await appendTo(f.eventStore, 'x', events.accepted('x', 'co-1', 3));
        await appendTo(f.eventStore, 'y', events.accepted('y', 'co-1', 4));
        await f.caughtUp(['customer-relationships']);
        expect(await relationships()).toEqual([expect.objectContaining({ invitationId: 'y' })]);

        broken = false;
        const ops = opsOn(f, { projections: [flaky] });
        expect(await ops.run('parked', 'replay')).toEqual([
          'parked customer-relationships: 1 stream(s) replayed, 1 parked event(s) applied',
        ]);
        const replayed = await relationships();
        expect(replayed).toEqual([
          {
            vendorId: 'vendor-1',
            customerCompanyId: 'co-1',
            status: 'active',
            createdAt: events.at(3),
            activatedAt: events.at(3),
            invitationId: 'x',
            customerNumber,
          },
        ]);

        const stored = await storedRow();

        await projector.stop();
        await ops.run('rebuild', 'customer-relationships');
        expect(await relationships()).toEqual(replayed);
        expect(await storedRow()).toEqual(stored);
      },
    );
  });
});
