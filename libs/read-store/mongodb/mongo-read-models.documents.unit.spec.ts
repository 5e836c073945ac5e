import {
  guardedUpsert,
  latestById,
  relationshipDoc,
  RELATIONSHIP_VIEW_FIELDS,
} from './mongo-read-models.documents';

describe('when one commit carries several versions of a row', () => {
  it('keeps one per _id: the highest position, and the later of equals', () => {
    const rows = [
      { _id: { s: 'x', id: 'a' }, position: 5n, n: 1 },
      { _id: { s: 'x', id: 'b' }, position: 2n, n: 2 },
      { _id: { s: 'x', id: 'a' }, position: 4n, n: 3 },
      { _id: { s: 'x', id: 'b' }, position: 2n, n: 4 },
    ];
    expect(latestById(rows).map((r) => r.n)).toEqual([1, 4]);
  });
});

describe('when a row is upserted', () => {
  it('filters on _id alone and replaces with the literal row only when not older', () => {
    const doc = { _id: { s: 'x', id: '$a' }, position: 3n, name: '$notAField' };
    expect(guardedUpsert(doc)).toEqual({
      updateOne: {
        filter: { _id: doc._id },
        update: [
          {
            $replaceWith: {
              $cond: [{ $lte: ['$position', 3n] }, { $literal: doc }, '$$ROOT'],
            },
          },
        ],
        upsert: true,
      },
    });
  });
});

describe('when a relationship is stored', () => {
  const row = {
    vendorId: 'v',
    customerCompanyId: 'c',
    status: 'active' as const,
    createdAt: 't',
    activatedAt: 't',
    invitationId: 'i',
    customerNumber: null,
    position: 7n,
  };

  it('keeps its sources when it has them, leaves them out when not, and never lists them', () => {
    expect(relationshipDoc('s', { ...row, createdPosition: 3n })).toEqual({
      _id: { s: 's', v: 'v', c: 'c' },
      slot: 's',
      ...row,
      createdPosition: 3n,
    });
    expect(Object.keys(relationshipDoc('s', row))).not.toContain('createdPosition');
    expect(RELATIONSHIP_VIEW_FIELDS).toMatchObject({
      createdPosition: 0,
      customerNumberPosition: 0,
    });
  });
});
