import { rabbitMqReachable } from '../../../libs/messaging/testing/rabbitmq-probe';

export const TEST_RABBITMQ_URL =
  process.env.TEST_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/**
 * `describe` against the RabbitMQ at TEST_RABBITMQ_URL (default: local guest).
 * Unreachable: fails under CI=true, otherwise prints one `skipped:` line and skips.
 */
export function describeWithRabbitMq(name: string, suite: (rabbitUrl: string) => void): void {
  const url = TEST_RABBITMQ_URL;
  if (rabbitMqReachable(url)) {
    describe(name, () => suite(url));
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs RabbitMQ in CI', () => {
        throw new Error(`no RabbitMQ at ${url}, and CI=true requires it`);
      });
    });
  } else {
    process.stdout.write(`skipped: no RabbitMQ at ${url}\n`);
    describe.skip(name, () => suite(url));
  }
}
