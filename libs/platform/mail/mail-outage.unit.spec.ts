import { outageTelling } from './mail-outage';
import type { Mailer, MailMessage } from './mailer';
import { REFUSED_FOR_GOOD } from './refused-for-good';

const mail = (to: string): MailMessage => ({ to, subject: 's', text: 't' });
const refused = () =>
  Object.assign(new Error('550 5.1.1 <gone@x.io>: no such mailbox'), { name: REFUSED_FOR_GOOD });

/** A mail server that is down until `up`, and refuses `gone@x.io` for good even then. */
function server() {
  const state = { up: false };
  const mailer: Mailer = {
    send: async (m) => {
      if (m.to === 'gone@x.io') throw refused();
      if (!state.up) throw new Error('connect ECONNREFUSED 127.0.0.1:2525');
    },
    close: () => undefined,
    destination: 'SMTP_URL: the mail server at smtp://***@127.0.0.1:2525',
  };
  return { mailer, state };
}

function told(mailer: Mailer) {
  const warnings: string[] = [];
  const infos: string[] = [];
  const telling = outageTelling(
    mailer,
    { warn: (m: string) => void warnings.push(m), log: (m: string) => void infos.push(m) },
    (e) => (e as Error).message,
  );
  /** Each address sent `times` times, all at once, each failure swallowed as the queue's retry would. */
  const attempt = (addresses: string[], times = 1) =>
    Promise.all(
      Array.from({ length: times }, () =>
        addresses.map((to) =>
          telling.send(mail(to)).then(
            () => 'sent' as const,
            () => 'failed' as const,
          ),
        ),
      ).flat(),
    );
  return { warnings, infos, attempt };
}

const many = Array.from({ length: 50 }, (_, i) => `user${i}@x.io`);

describe('outageTelling', () => {
  describe('when the mail server fails many emails, many attempts each', () => {
    it('warns once, naming the setting, and once it takes emails tells once how many attempts failed', async () => {
      const { mailer, state } = server();
      const { warnings, infos, attempt } = told(mailer);
      for (let round = 0; round < 5; round += 1) await attempt(many);
      expect(warnings).toEqual([
        'SMTP_URL: the mail server at smtp://***@127.0.0.1:2525 does not take emails (connect ECONNREFUSED 127.0.0.1:2525); emails wait in the spool and are retried',
      ]);
      expect(infos).toEqual([]);
      state.up = true;
      await attempt(many);
      await attempt(many);
      expect(infos).toEqual([
        'SMTP_URL: the mail server at smtp://***@127.0.0.1:2525 takes emails again; 250 attempts failed meanwhile',
      ]);
      expect(warnings).toHaveLength(1);
    });
  });

  describe('when it goes down again after it came back', () => {
    it('tells of the second outage as of the first', async () => {
      const { mailer, state } = server();
      const { warnings, infos, attempt } = told(mailer);
      await attempt(['a@x.io']);
      state.up = true;
      await attempt(['a@x.io']);
      state.up = false;
      await attempt(['a@x.io'], 3);
      state.up = true;
      await attempt(['a@x.io']);
      expect(warnings).toHaveLength(2);
      expect(infos.map((l) => l.split('; ')[1])).toEqual([
        '1 attempt failed meanwhile',
        '3 attempts failed meanwhile',
      ]);
    });
  });

  describe('when the server refuses one address for good', () => {
    it('starts no outage while it takes the others', async () => {
      const { mailer, state } = server();
      state.up = true;
      const { warnings, infos, attempt } = told(mailer);
      expect(await attempt(['gone@x.io', 'a@x.io'], 3)).toContain('failed');
      expect(warnings).toEqual([]);
      expect(infos).toEqual([]);
    });

    it('neither ends an outage nor counts among its failed attempts', async () => {
      const { mailer, state } = server();
      const { warnings, infos, attempt } = told(mailer);
      await attempt(['a@x.io']);
      state.up = true;
      await attempt(['gone@x.io'], 4);
      expect(infos).toEqual([]);
      await attempt(['a@x.io']);
      expect(warnings).toHaveLength(1);
      expect(infos).toEqual([expect.stringMatching(/takes emails again; 1 attempt failed/)]);
    });
  });

  describe('when an attempt started before the outage succeeds after it began', () => {
    it('does not end it: the server may have taken that one before it went down', async () => {
      let finishSlow: () => void = () => undefined;
      let up = true;
      const mailer: Mailer = {
        send: (m) =>
          m.to === 'slow@x.io'
            ? new Promise<void>((resolve) => (finishSlow = resolve))
            : up
              ? Promise.resolve()
              : Promise.reject(new Error('connect ECONNREFUSED')),
        close: () => undefined,
      };
      const { warnings, infos, attempt } = told(mailer);
      const slow = attempt(['slow@x.io']);
      up = false;
      await attempt(['a@x.io']);
      finishSlow();
      await slow;
      expect(warnings).toEqual([
        'the mailer does not take emails (connect ECONNREFUSED); emails wait in the spool and are retried',
      ]);
      expect(infos).toEqual([]);
    });
  });
});
