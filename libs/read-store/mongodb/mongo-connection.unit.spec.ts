import { clientOptions, databaseName } from './mongo-connection';

describe('when the read-model URL names a database', () => {
  it('uses the path, or invitations when there is none', () => {
    expect(databaseName('mongodb://mongo:27017/reads?replicaSet=rs0')).toBe('reads');
    expect(databaseName('mongodb://a:1,b:2/x%2Dy')).toBe('x-y');
    expect(databaseName('mongodb+srv://u:p@cluster.example.net/?retryWrites=true')).toBe(
      'invitations',
    );
    expect(databaseName('mongodb://mongo:27017')).toBe('invitations');
  });
});

describe('when the read-model URL sets no write concern', () => {
  it('has writes acknowledged by a majority, waiting 10 s for it at most', () => {
    const majority = { w: 'majority', wtimeoutMS: 10_000 };
    expect(clientOptions('mongodb://mongo:27017/reads?replicaSet=rs0').writeConcern).toEqual(
      majority,
    );
    expect(clientOptions('mongodb://mongo:27017').writeConcern).toEqual(majority);
  });
});

describe('when the read-model URL sets a write concern', () => {
  it('leaves it to the URL', () => {
    expect(
      clientOptions('mongodb://a:1,b:2/reads?replicaSet=rs0&W=1').writeConcern,
    ).toBeUndefined();
  });
});
