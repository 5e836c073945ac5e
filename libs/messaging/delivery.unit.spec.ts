import type { ConsumeSpec, DeliveryInfo } from './broker.port';
import { checkSpec, processDelivery, retryDelay } from './delivery';
import { cloudEvent } from './testing/fixtures';

const spec = (handle: ConsumeSpec['handle']): ConsumeSpec => ({
  queue: 'svc.a.v1',
  bindingKeys: ['a.v1'],
  prefetch: 1,
  maxRetries: 2,
  retryDelayMs: 100,
  handle,
});
const info = (attempt: number): DeliveryInfo => ({
  queue: 'svc.a.v1',
  routingKey: 'a.v1',
  attempt,
  redelivered: false,
  headers: {},
});
const event = cloudEvent('a.v1');
const body = Buffer.from(JSON.stringify(event));

describe('processDelivery', () => {
  describe('when the handler fails with retries left', () => {
    it('asks for a retry after an exponentially growing delay', async () => {
      const failing = spec(async () => Promise.reject(new Error('down')));
      expect(await processDelivery(body, info(0), failing)).toEqual({
        action: 'retry',
        attempt: 1,
        delayMs: 100,
        reason: 'handler failed: down',
      });
      expect(await processDelivery(body, info(1), failing)).toMatchObject({ delayMs: 200 });
      expect(await processDelivery(body, info(2), failing)).toEqual({
        action: 'dead-letter',
        reason: 'handler failed: down',
        messageId: event.id,
      });
    });
  });

  describe('when the message declares a content-type', () => {
    it.each([
      'application/cloudevents+json',
      'application/cloudevents+json; charset=utf-8',
      'application/json',
    ])('handles %s', async (contentType) => {
      const ok = spec(async () => undefined);
      expect(await processDelivery(body, { ...info(0), contentType }, ok)).toEqual({
        action: 'ack',
      });
    });

    it('dead-letters any other type without calling the handler', async () => {
      const handle = jest.fn(async () => undefined);
      expect(
        await processDelivery(body, { ...info(0), contentType: 'text/plain' }, spec(handle)),
      ).toEqual({
        action: 'dead-letter',
        reason: 'unsupported content-type: text/plain',
      });
      expect(handle).not.toHaveBeenCalled();
    });
  });

  describe('when the body starts with a UTF-8 byte-order mark', () => {
    it('reads the JSON after it', async () => {
      const handle = jest.fn(async () => undefined);
      const marked = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]);
      expect(await processDelivery(marked, info(0), spec(handle))).toEqual({ action: 'ack' });
      expect(handle).toHaveBeenCalledWith(event, expect.anything());
    });
  });

  describe('when the body is not UTF-8', () => {
    it('dead-letters it without calling the handler, rather than reading each bad byte as U+FFFD', async () => {
      const handle = jest.fn(async () => undefined);
      const text = JSON.stringify({ ...event, source: '/marker' });
      const at = text.indexOf('marker');
      const bad = Buffer.concat([
        Buffer.from(text.slice(0, at)),
        Buffer.from([0xff]),
        Buffer.from(text.slice(at)),
      ]);
      expect(await processDelivery(bad, info(0), spec(handle))).toEqual({
        action: 'dead-letter',
        reason: 'invalid JSON: the body is not UTF-8',
      });
      expect(handle).not.toHaveBeenCalled();
    });
  });

  describe('when the body is larger than the limit', () => {
    it('dead-letters it unread, naming its size, without calling the handler', async () => {
      const handle = jest.fn(async () => undefined);
      const limited = { ...spec(handle), maxBodyBytes: body.length - 1 };
      expect(await processDelivery(body, { ...info(0), messageId: 'm-1' }, limited)).toEqual({
        action: 'dead-letter',
        reason: `body too large: ${body.length} bytes, over the ${body.length - 1}-byte limit`,
        messageId: 'm-1',
      });
      expect(handle).not.toHaveBeenCalled();
    });

    it('reads a body of exactly the limit, and holds a mebibyte by default', async () => {
      const handle = jest.fn(async () => undefined);
      const exact = { ...spec(handle), maxBodyBytes: body.length };
      expect(await processDelivery(body, info(0), exact)).toEqual({ action: 'ack' });
      const padded = Buffer.from(JSON.stringify({ ...event, pad: 'x'.repeat(1024 * 1024) }));
      expect(await processDelivery(padded, info(0), spec(handle))).toMatchObject({
        action: 'dead-letter',
        reason: expect.stringMatching(/^body too large: \d+ bytes, over the 1048576-byte limit$/),
      });
      expect(handle).toHaveBeenCalledTimes(1);
    });
  });

  describe('when the handler outlasts its timeout', () => {
    afterEach(() => jest.useRealTimers());

    it('asks for a retry, naming the timeout, then dead-letters once retries run out', async () => {
      jest.useFakeTimers();
      const hung = { ...spec(() => new Promise<never>(() => undefined)), handlerTimeoutMs: 5_000 };
      const first = processDelivery(body, info(0), hung);
      await jest.advanceTimersByTimeAsync(5_000);
      expect(await first).toEqual({
        action: 'retry',
        attempt: 1,
        delayMs: 100,
        reason: 'handler failed: timed out after 5000 ms',
      });
      const last = processDelivery(body, info(2), hung);
      await jest.advanceTimersByTimeAsync(5_000);
      expect(await last).toMatchObject({ action: 'dead-letter', messageId: event.id });
    });

    it('logs a failure the abandoned handler meets later', async () => {
      jest.useFakeTimers();
      const late = () =>
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('store gone')), 8_000));
      const log = jest.fn();
      const outcome = processDelivery(
        body,
        info(0),
        { ...spec(late), handlerTimeoutMs: 5_000 },
        log,
      );
      await jest.advanceTimersByTimeAsync(5_000);
      expect(await outcome).toMatchObject({ action: 'retry' });
      expect(log).not.toHaveBeenCalled();
      await jest.advanceTimersByTimeAsync(3_000);
      expect(log).toHaveBeenCalledWith(
        'svc.a.v1: a handler given up on after 5000 ms failed later: store gone',
      );
    });

    it('waits 30 seconds by default', async () => {
      jest.useFakeTimers();
      const outcome = processDelivery(
        body,
        info(0),
        spec(() => new Promise<never>(() => undefined)),
      );
      let settled = false;
      void outcome.then(() => (settled = true));
      await jest.advanceTimersByTimeAsync(29_999);
      expect(settled).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      expect(await outcome).toMatchObject({ action: 'retry' });
    });
  });

  describe('when a validator throws', () => {
    it('dead-letters instead of crashing the consumer', async () => {
      const s = {
        ...spec(async () => undefined),
        validate: () => {
          throw new Error('bug');
        },
      };
      expect(await processDelivery(body, info(0), s)).toEqual({
        action: 'dead-letter',
        reason: 'validation failed: bug',
        messageId: event.id,
      });
    });
  });
});

describe('retryDelay', () => {
  it('doubles per attempt and stops growing at an hour', () => {
    expect([0, 1, 2, 3].map((a) => retryDelay(50, a))).toEqual([50, 100, 200, 400]);
    expect(retryDelay(1000, 40)).toBe(3_600_000);
  });
});

describe('checkSpec', () => {
  it('refuses settings that would stall or misbehave silently', () => {
    expect(() => checkSpec({ ...spec(async () => undefined), prefetch: 0 })).toThrow(/prefetch/);
    expect(() => checkSpec({ ...spec(async () => undefined), maxRetries: -1 })).toThrow(
      /maxRetries/,
    );
    expect(() => checkSpec({ ...spec(async () => undefined), maxBodyBytes: 0 })).toThrow(
      /maxBodyBytes/,
    );
    expect(() => checkSpec({ ...spec(async () => undefined), handlerTimeoutMs: 0.5 })).toThrow(
      /handlerTimeoutMs/,
    );
    expect(() => checkSpec({ ...spec(async () => undefined), handlerTimeoutMs: 2 ** 31 })).toThrow(
      /handlerTimeoutMs/,
    );
    expect(() => checkSpec(spec(async () => undefined))).not.toThrow();
  });
});
