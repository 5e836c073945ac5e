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
    });
  });

  describe('when the type is not in the contract', () => {
    it('checks the envelope only', () => {
      expect(validateCloudEvent(cloudEvent('other.thing.v1', { anything: 1 }))).toBeNull();
      expect(validateCloudEvent({ type: 'other.thing.v1' })).toMatch(/envelope/);
    });
  });
});
