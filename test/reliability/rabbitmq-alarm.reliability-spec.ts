import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { RabbitMqBroker } from '../../libs/messaging/rabbitmq/rabbitmq-broker';
import { cloudEvent } from '../../libs/messaging/testing/broker.contract';
import { deleteConsumerQueues } from '../../libs/messaging/testing/delete-consumer-queues';
import { waitFor } from '../../libs/testing/wait-for';
import { printFigures, seconds } from './support/figures';
import { RabbitMqControl } from './support/rabbitmq-control';
import { describeWithRabbitMq } from './support/rabbitmq-gate';

const run = promisify(execFile);
const nodeArgs = process.env.RABBITMQCTL_NODE ? ['-n', process.env.RABBITMQCTL_NODE] : [];
const ctl = async (...args: string[]) =>
  (await run('rabbitmqctl', [...nodeArgs, ...args], { timeout: 120_000 })).stdout.trim();

/** The `set_vm_memory_high_watermark` arguments that put back the watermark the node has now. */
async function watermarkNow(): Promise<string[]> {
  const now = await ctl('eval', 'vm_memory_monitor:get_vm_memory_high_watermark().');
  const absolute = /^\{absolute,\s*"?([^"}]+)"?\}$/.exec(now);
  if (absolute) return ['absolute', absolute[1]];
  const relative = /^(?:\{relative,\s*)?([\d.]+)\}?$/.exec(now);
  if (!relative) throw new Error(`cannot read RabbitMQ's memory watermark to restore it: ${now}`);
  if (Number(relative[1]) === 0) {
    throw new Error(
      `the memory watermark is 0 already: a run killed mid-alarm has it put back within ${SELF_RESTORE_MS / 1000} s`,
    );
  }
  return [relative[1]];
}

/** A run killed mid-alarm would leave every publisher of the broker blocked: the broker puts it back itself. */
const SELF_RESTORE_MS = 90_000;

/** The broker-side process that puts the watermark back should this run die mid-alarm. */
const RESTORER = 'reliability_alarm_restorer';

/**
 * Has the broker put `restore` back after SELF_RESTORE_MS, whatever becomes of this process; an
 * earlier run's restorer is replaced, so it cannot end this run's alarm.
 */
async function restoreLater(restore: string[]): Promise<void> {
  const [kind, value] = restore;
  const term =
    kind === 'absolute' ? `{absolute, ${/^\d+$/.test(value) ? value : `"${value}"`}}` : kind;
  await ctl(
    'eval',
    `catch (${RESTORER} ! cancel), spawn(fun() -> catch unregister(${RESTORER}), register(${RESTORER}, self()), receive cancel -> ok after ${SELF_RESTORE_MS} -> vm_memory_monitor:set_vm_memory_high_watermark(${term}) end end), ok.`,
  );
}

/** The alarm ended as planned: the restorer is not needed. */
const cancelRestore = () => ctl('eval', `catch (${RESTORER} ! cancel), ok.`);

const memoryAlarmOn = async () =>
  (await ctl('eval', 'rabbit_alarm:get_alarms().')).includes('memory');

/**
 * A memory alarm on the RabbitMQ at TEST_RABBITMQ_URL (its watermark set to 0,
 * then put back). Not part of `npm test`: the alarm blocks every publisher of
 * that broker, other suites' included.
 */
describeWithRabbitMq('a RabbitMQ memory alarm (reliability)', (rabbitUrl) => {
  let restore: string[] | undefined;
  const endAlarm = async () => {
    if (!restore) return;
    await ctl('set_vm_memory_high_watermark', ...restore);
    await cancelRestore();
  };

  beforeAll(async () => {
    if (!new RabbitMqControl().available()) throw new Error('rabbitmqctl is not available');
    restore = await watermarkNow();
  }, 60_000);

  afterAll(endAlarm, 60_000); // again, whatever the test did

  describe('when RabbitMQ raises a memory alarm while a consumer has messages queued', () => {
    it('goes on handling and acking them while the same broker’s publish and dead-letter copy wait, both sent once the alarm clears', async () => {
      const logged: string[] = [];
      const broker = new RabbitMqBroker(rabbitUrl, {
        log: (m) => logged.push(m),
        publishTimeoutMs: 180_000,
      });
      const queue = `reliability-alarm.${randomUUID()}`;
      const type = `reliability.${randomUUID()}.alarm.v1`;
      const spec = { maxRetries: 0, retryDelayMs: 5 };
      const handled: string[] = [];
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      // A poison message first: its dead-letter copy is a publish, which the alarm holds.
      const [poison, ...queued] = Array.from({ length: 6 }, () => cloudEvent(type));
      const late = cloudEvent(type);
      let published: Promise<unknown> = Promise.resolve();
      let confirmed = false;
      let alarmMs = 0;
      try {
        // Two unacked messages at a time: the poison's, held, and one more, so each next
        // delivery needs RabbitMQ to have read an ack.
        await broker.consume({
          queue,
          bindingKeys: [type],
          prefetch: 2,
          ...spec,
          handle: async (event) => {
            handled.push(event.id);
            await gate;
            if (event.id === poison.id) throw new Error('poison');
          },
        });
        await broker.publish([poison, ...queued]);
        await waitFor(() => handled.length === 2, { message: 'two messages in their handlers' });

        const alarmAt = Date.now();
        try {
          await restoreLater(restore!);
          await ctl('set_vm_memory_high_watermark', '0');
          await waitFor(memoryAlarmOn, {
            timeoutMs: 60_000,
            intervalMs: 200,
            message: 'the alarm',
          });
          published = broker.publish([late]).then(
            () => (confirmed = true),
            (error: unknown) => error,
          );
          await waitFor(() => logged.some((m) => /blocked the connection/.test(m)), {
            timeoutMs: 30_000,
            message: 'RabbitMQ to block the publishing connection',
          });
          open();
          await waitFor(() => queued.every((e) => handled.includes(e.id)), {
            timeoutMs: 30_000,
            message: 'the queued messages to be handled during the alarm',
          });
          expect(confirmed).toBe(false); // the alarm held the publish all along
          // Said once its copy is confirmed: the alarm holds the copy too.
          expect(logged.filter((m) => m.includes(`dead-lettered ${poison.id}`))).toEqual([]);
          expect(logged.filter((m) => m.startsWith('RabbitMQ (consume) blocked'))).toEqual([]);
          alarmMs = Date.now() - alarmAt;
        } finally {
          await endAlarm();
        }
        expect(await published).toBe(true);
        await waitFor(() => handled.includes(late.id), {
          message: 'the publish made in the alarm',
        });
        await waitFor(async () => (await broker.deadLetters(queue)).length === 1, {
          message: 'the poison dead-lettered',
        });
        expect(logged).toContainEqual(expect.stringContaining(`dead-lettered ${poison.id}`));
        printFigures('rabbitmq memory alarm', [
          `${queued.length} queued messages handled and acked during the alarm`,
          `a publish and a dead-letter copy held ${seconds(alarmMs)}, sent once it cleared`,
        ]);
      } finally {
        open();
        await broker.close();
        await deleteConsumerQueues(rabbitUrl, queue, spec);
      }
    }, 300_000);
  });
});
