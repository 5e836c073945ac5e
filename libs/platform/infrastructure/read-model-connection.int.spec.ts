import { openReadModels } from './read-model-connection';

describe('openReadModels', () => {
  describe('when READ_MODEL_URL is sqlite::memory:', () => {
    it('warns that checkpoints, leases and rate-limit counters end with the process', async () => {
      const warnings: string[] = [];
      const connection = await openReadModels('sqlite::memory:', (m) => warnings.push(m));
      await connection.close();

      expect(warnings).toEqual([
        expect.stringMatching(
          /^READ_MODEL_URL: sqlite::memory: — checkpoints, leases and rate-limit counters are lost/,
        ),
      ]);
    });
  });

  describe('when a SQLite URL has a parameter, which nothing reads', () => {
    it('refuses it naming the variable', async () => {
      await expect(openReadModels('sqlite::memory:?synchronous=full')).rejects.toThrow(
        /^READ_MODEL_URL: unknown parameter "synchronous"/,
      );
    });
  });

  describe('when the MongoDB driver refuses the URL', () => {
    it('names the variable, never the password the driver quotes', async () => {
      const open = openReadModels('mongodb://admin:s3cret@');

      await expect(open).rejects.toThrow(/^READ_MODEL_URL: .*"mongodb:\/\/\*\*\*@"/);
      await expect(open).rejects.not.toThrow(/s3cret/);
    });
  });
});
