import { IntegrationEventTypes } from '../contracts';
import { cloudEvent } from './testing/fixtures';
import { validateCloudEvent, validateEnvelope } from './validation';

const verified = (data: Record<string, unknown>) =>
  cloudEvent(IntegrationEventTypes.emailVerified, {
    userId: 'user-1',
    email: 'ann@example.com',
    verifiedAt: '2026-11-26T10:00:00Z',
    ...data,
  });

describe('validateEnvelope', () => {
  describe('when the body is a CloudEvents 1.0 envelope', () => {
    it('accepts it, with extension attributes it does not know', () => {
      expect(validateEnvelope({ ...cloudEvent('a.b.v1'), traceparent: '00-abc' })).toBeNull();
    });
  });

  describe('when it leaves out what CloudEvents 1.0 makes optional, or writes it another valid way', () => {
    it('accepts it', () => {
      const {
        time: _time,
        datacontenttype: _type,
        subject: _subject,
        ...bare
      } = cloudEvent('a.b.v1');
      expect(validateEnvelope(bare)).toBeNull();
      for (const datacontenttype of [
        'application/json; charset=utf-8',
        'application/ld+json',
        'text/json',
      ]) {
        expect(validateEnvelope({ ...cloudEvent('a.b.v1'), datacontenttype })).toBeNull();
      }
      for (const time of [
        '2026-11-26t10:00:00z',
        '2016-12-31T23:59:60Z',
        '2026-11-26T11:00:00+01:00',
      ]) {
        expect(validateEnvelope({ ...cloudEvent('a.b.v1'), time })).toBeNull();
      }
    });
  });

  describe('when an extension attribute it reads is a number or a boolean', () => {
    it('accepts it, as CloudEvents allows', () => {
      for (const correlationid of [42, true, 'c-1']) {
        expect(validateEnvelope({ ...cloudEvent('a.b.v1'), correlationid })).toBeNull();
      }
      expect(validateEnvelope({ ...cloudEvent('a.b.v1'), correlationid: { a: 1 } })).toMatch(
        /correlationid/,
      );
    });
  });

  describe('when the body is not an envelope', () => {
    it('names what is wrong', () => {
      expect(validateEnvelope([1])).toMatch(/not a JSON object/);
      expect(validateEnvelope(null)).toMatch(/not a JSON object/);
      const { id: _id, ...noId } = cloudEvent('a.b.v1');
      expect(validateEnvelope(noId)).toMatch(/id/);
      expect(validateEnvelope({ ...cloudEvent('a.b.v1'), specversion: '0.3' })).toMatch(
        /specversion/,
      );
      expect(validateEnvelope({ ...cloudEvent('a.b.v1'), time: 'yesterday' })).toMatch(/time/);
      expect(validateEnvelope({ ...cloudEvent('a.b.v1'), data: 'text' })).toMatch(/data/);
      // Not RFC 3339 date-times: no offset, a date alone, a week, a day the calendar lacks.
      for (const time of [
        '2026-11-26T10:00:00',
        '2026-11-26',
        '2026-W48',
        '2026-02-30T10:00:00Z',
      ]) {
        expect(validateEnvelope({ ...cloudEvent('a.b.v1'), time })).toMatch(/time/);
      }
      expect(validateEnvelope({ ...cloudEvent('a.b.v1'), datacontenttype: 'text/xml' })).toMatch(
        /datacontenttype/,
      );
    });
  });
});

describe('validateCloudEvent', () => {
  describe('when the type is in the integration contract', () => {
    it('checks data against its class and tolerates extra fields', () => {
      expect(validateCloudEvent(verified({}))).toBeNull();
      expect(validateCloudEvent(verified({ locale: 'en' }))).toBeNull();
      expect(validateCloudEvent(verified({ email: 'nope' }))).toMatch(/data.*email/);
      expect(validateCloudEvent(verified({ verifiedAt: undefined }))).toMatch(/verifiedAt/);
      expect(validateCloudEvent(verified({ verifiedAt: '2026-11-26' }))).toMatch(/verifiedAt/);
    });

    it('refuses an id of only spaces or with a lone surrogate, which would name a stream shared with others', () => {
      for (const userId of ['   ', 'user-1\ud800', '\udc00user-1']) {
        expect(validateCloudEvent(verified({ userId }))).toMatch(/data.*userId/);
      }
    });
  });

  describe('when the type is not in the contract', () => {
    it('checks the envelope only', () => {
      expect(validateCloudEvent(cloudEvent('other.thing.v1', { anything: 1 }))).toBeNull();
      expect(validateCloudEvent({ type: 'other.thing.v1' })).toMatch(/envelope/);
    });
  });
});
