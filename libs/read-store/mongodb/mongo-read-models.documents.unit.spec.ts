import { guardedUpsert, latestById } from './mongo-read-models.documents';

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
