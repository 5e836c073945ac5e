import { infrastructureWarnings } from './infrastructure-log';

/** The JSON lines written, parsed. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = { write: (line: string) => void lines.push(JSON.parse(line)) };
  return { lines, destination };
}

describe('infrastructureWarnings', () => {
  describe('when LOG_LEVEL shows warnings', () => {
    it('writes each as a warn-level JSON line of the infrastructure', () => {
      const { lines, destination } = capture();
      const { warn, always } = infrastructureWarnings('info', destination);

      warn('RabbitMQ unreachable; retrying');
      always('EVENT_STORE_URL: sqlite::memory: — every event is lost');

      expect(lines).toEqual([
        expect.objectContaining({
          level: 40,
          service: 'infrastructure',
          msg: 'RabbitMQ unreachable; retrying',
        }),
        expect.objectContaining({
          level: 40,
          service: 'infrastructure',
          msg: expect.stringMatching(/^EVENT_STORE_URL/),
        }),
      ]);
    });
  });

  describe('when a setting is to be fixed', () => {
    it('writes it as an error-level JSON line of the infrastructure', () => {
      const { lines, destination } = capture();
      infrastructureWarnings('info', destination).error('RABBITMQ_URL: refused');
      expect(lines).toEqual([
        expect.objectContaining({
          level: 50,
          service: 'infrastructure',
          msg: 'RABBITMQ_URL: refused',
        }),
      ]);
    });
  });

  describe('when LOG_LEVEL is above warn', () => {
    it.each(['error', 'fatal', 'silent'])(
      'at %s hides ordinary warnings, never those of a setting that gives up data',
      (level) => {
        const { lines, destination } = capture();
        const { warn, always } = infrastructureWarnings(level, destination);

        warn('RabbitMQ unreachable; retrying');
        always('READ_MODEL_URL: sqlite::memory: — checkpoints are lost');

        expect(lines).toEqual([
          expect.objectContaining({
            level: 40,
            service: 'infrastructure',
            msg: expect.stringMatching(/^READ_MODEL_URL/),
          }),
        ]);
      },
    );
  });
});
