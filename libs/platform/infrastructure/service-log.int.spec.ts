import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { createTestInfrastructure } from '../../testing/test-infrastructure';
import { waitFor } from '../../testing/wait-for';
import { createHttpApp } from '../http/create-http-app';
import type { Mailer } from '../mail/mailer';
import { createLogger } from '../observability/logger';
import type { Infrastructure } from './infrastructure';
import { InfrastructureModule } from './infrastructure.module';
import { mailingProvider, type Mailing } from './mailing.provider';

const MAILING = Symbol('MAILING');

@Module({})
class MailingApp {
  static register(infra: Infrastructure, service: string, logger: Logger): DynamicModule {
    return {
      module: MailingApp,
      imports: [InfrastructureModule.forRoot(infra, logger)],
      providers: [mailingProvider(MAILING, service)],
    };
  }
}

describe('a service’s own log', () => {
  describe('when two apps run in one process, as under npm start', () => {
    it('logs the first app’s mail failures under its service, not the last app’s', async () => {
      const failing: Mailer = {
        send: () => Promise.reject(new Error('smtp down')),
        close: () => undefined,
      };
      const jwtVerifier = { verify: () => Promise.reject(new Error('no tokens here')) };
      const infra = await createTestInfrastructure({ jwtVerifier, mailer: failing });
      const lines: Array<{ service: string; context?: string; msg: string }> = [];
      const logTo = (service: string) =>
        createLogger(service, 'info', { write: (line) => void lines.push(JSON.parse(line)) });
      const apps = [
        await createHttpApp(MailingApp.register(infra, 'first', logTo('first')), {
          title: 'first',
          logger: logTo('first'),
        }),
        await createHttpApp(MailingApp.register(infra, 'second', logTo('second')), {
          title: 'second',
          logger: logTo('second'),
        }),
      ];
      try {
        const { mails } = apps[0].get<Mailing>(MAILING);
        const mail = await mails.intend({ to: 'a@x.io', subject: 's', text: 't' }, 'probe', {
          stream: 's',
          tokenHash: 'h',
        });
        mail.send();
        // The mail server's outage line: the first failed attempt of the first service's email.
        const outage = (l: { msg: string }) => / does not take emails /.test(l.msg);
        await waitFor(() => lines.some(outage));
        expect(lines.find(outage)).toMatchObject({ service: 'first', context: 'mail' });
      } finally {
        await Promise.all(apps.map((app) => app.close()));
        await infra.close();
      }
    });
  });
});
