import type { RecordedEvent } from '../../../libs/event-store';
import { nameBasedUuid, toIntegrationEvent } from './email-verified.mapping';

const recorded = (overrides: Partial<RecordedEvent> = {}): RecordedEvent => ({
  eventId: '0b6f6a4e-9d1c-4c55-8a0e-6f1f0a9f3c11',
  streamName: 'user-u-1',
  revision: 2,
  position: 7n,
  type: 'EmailVerified',
  data: { userId: 'u-1', email: 'ann@example.com', verifiedAt: '2026-11-26T10:00:00.000Z' },
  metadata: {
    correlationId: 'corr-1',
    causationId: 'corr-1',
    actor: 'user:u-1',
    occurredAt: '2026-11-26T10:00:00.000Z',
  },
  ...overrides,
});

describe('toIntegrationEvent', () => {
  describe('when the event is EmailVerified on a user stream', () => {
    it('becomes identity.email-verified.v1 as the contract shows', () => {
      expect(toIntegrationEvent(recorded())).toEqual({
        specversion: '1.0',
        id: expect.stringMatching(
          /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        ),
        source: '/identity',
        type: 'identity.email-verified.v1',
        time: '2026-11-26T10:00:00.000Z',
        datacontenttype: 'application/json',
        subject: 'u-1',
        correlationid: 'corr-1',
        data: { userId: 'u-1', email: 'ann@example.com', verifiedAt: '2026-11-26T10:00:00.000Z' },
      });
    });

    it('keeps the same id however often it is mapped', () => {
      expect(toIntegrationEvent(recorded())?.id).toBe(toIntegrationEvent(recorded())?.id);
    });

    it('gives another domain event another id', () => {
      const other = recorded({ eventId: '1c7a0f3e-2b4d-4e6f-9a1b-3c5d7e9f1a2b' });
      expect(toIntegrationEvent(other)?.id).not.toBe(toIntegrationEvent(recorded())?.id);
    });

    it('does not carry anything beyond the contract', () => {
      const extra = recorded({ data: { ...recorded().data, passwordHash: 'x' } });
      expect(toIntegrationEvent(extra)?.data).toEqual(recorded().data);
    });
  });

  describe('when the event is anything else', () => {
    it.each([
      ['another type', recorded({ type: 'UserRegistered' })],
      ['another stream', recorded({ streamName: 'invitation-1' })],
    ])('maps %s to nothing', (_, event) => {
      expect(toIntegrationEvent(event)).toBeNull();
    });
  });
});

describe('nameBasedUuid', () => {
  it('computes RFC 9562 version-5 UUIDs', () => {
    const dns = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
    expect(nameBasedUuid(dns, 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });
});
