import { InProcessBroker } from './in-process/in-process-broker';
import { unroutedReporter } from './unrouted-reporter';

describe('unroutedReporter', () => {
  let now = 0;
  let warnings: string[];
  const reporter = () => {
    warnings = [];
    return unroutedReporter('invitations-forwarder', {
      warn: (m) => warnings.push(m),
      unroutedReportMs: 60_000,
      clock: () => now,
    });
  };
  const SENT = 'invitations.invitation-sent.v1';

  describe('when messages of a type first reach no queue', () => {
    it('warns at once, with how many and where to republish them from', () => {
      const { report } = reporter();

      report([SENT, SENT], 41n);

      expect(warnings).toEqual([
        `forwarder invitations-forwarder: no queue is bound for ${SENT}; 2 message(s) reached ` +
          "no one. Once a consumer's queue exists, `npm run ops -- republish --from 41` " +
          'publishes them again',
      ]);
    });
  });

  describe('when more of that type reach no queue', () => {
    it('warns again only once the interval is over, counting all since the last warning', () => {
      const { report } = reporter();
      report([SENT], 41n);
      now += 30_000;
      report([SENT, SENT], 50n);
      report([SENT], 60n);
      expect(warnings).toHaveLength(1);

      now += 30_000;
      report(['invitations.invitation-expired.v1'], 70n);

      expect(warnings).toHaveLength(3);
      expect(warnings[1]).toContain(`${SENT}; 3 message(s) reached no one`);
      expect(warnings[1]).toContain('republish --from 50`');
      expect(warnings[2]).toContain('invitations.invitation-expired.v1; 1 message(s)');
    });
  });

  describe('when the forwarder stops with counts not yet told', () => {
    it('warns of them at once, and of nothing already told', () => {
      const { report, flush } = reporter();
      report([SENT], 41n);
      now += 1_000;
      report([SENT, SENT], 50n);
      flush();

      expect(warnings).toHaveLength(2);
      expect(warnings[1]).toContain(`${SENT}; 2 message(s) reached no one`);
      expect(warnings[1]).toContain('republish --from 50`');
      flush();
      expect(warnings).toHaveLength(2);
    });
  });

  describe('when the bus is the in-process one, which `ops republish` cannot reach', () => {
    it('says the events stay in the event store, to republish once RABBITMQ_URL is set', async () => {
      const broker = new InProcessBroker();
      const warned: string[] = [];
      const { report } = unroutedReporter('invitations-forwarder', {
        broker,
        warn: (m) => warned.push(m),
      });

      report([SENT], 5n);
      await broker.close();

      expect(warned).toEqual([
        `forwarder invitations-forwarder: no queue is bound for ${SENT}; 1 message(s) reached ` +
          'no one. They stay in the event store: once RABBITMQ_URL is set, ' +
          '`npm run ops -- republish --from 5` publishes them again',
      ]);
    });
  });
});
