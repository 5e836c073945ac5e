import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import {
  CloudEventEnvelope,
  IntegrationEventData,
  type IntegrationEventType,
} from '../../../libs/contracts';
import type { RecordedEvent } from '../../../libs/event-store';
import {
  acceptedBy,
  cancelled,
  expired,
  resent,
  sent,
  deferredFor,
} from '../invitation/invitation.given';
import type { InvitationEvent } from '../invitation/invitation.events';
import {
  integrationEventId,
  PUBLISHED_EVENT_TYPES,
  toIntegrationEvent,
} from './to-integration-event';

const recorded = (event: InvitationEvent, streamName = 'invitation-inv-1'): RecordedEvent => ({
  streamName,
  revision: 0,
  position: 1n,
  eventId: '11111111-2222-4333-8444-555555555555',
  type: event.type,
  data: event.data,
  metadata: {
    correlationId: 'corr-1',
    causationId: 'cause-1',
    actor: 'user:vendor-user-1',
    occurredAt: '2026-11-21T09:30:00.000Z',
  },
});

function expectValid(message: ReturnType<typeof toIntegrationEvent>) {
  expect(message).not.toBeNull();
  expect(validateSync(plainToInstance(CloudEventEnvelope, message))).toEqual([]);
  const dataClass = IntegrationEventData[message!.type as IntegrationEventType];
  expect(
    validateSync(plainToInstance(dataClass, message!.data), { forbidUnknownValues: true }),
  ).toEqual([]);
}

describe('invitation integration events', () => {
  describe('when an invitation is sent', () => {
    it('publishes invitation-sent.v1 without the token hash or names', () => {
      const message = toIntegrationEvent(recorded(sent));
      expectValid(message);
      expect(message).toEqual({
        specversion: '1.0',
        id: integrationEventId(
          'invitations.invitation-sent.v1',
          '11111111-2222-4333-8444-555555555555',
        ),
        source: '/invitations',
        type: 'invitations.invitation-sent.v1',
        time: '2026-11-21T09:30:00.000Z',
        datacontenttype: 'application/json',
        subject: 'inv-1',
        correlationid: 'corr-1',
        data: {
          invitationId: 'inv-1',
          vendorId: 'vendor-1',
          email: 'ann@example.com',
          expiresAt: sent.data.expiresAt,
        },
      });
    });
  });

  describe('when an invitation is resent', () => {
    it('publishes invitation-resent.v1 with the new expiry, at the time it was recorded, without the token hash', () => {
      const expiresAt = '2026-12-01T09:30:00.000Z';
      const message = toIntegrationEvent(recorded(resent(expiresAt)));
      expectValid(message);
      expect(message!.type).toBe('invitations.invitation-resent.v1');
      expect(message!.data).toEqual({
        invitationId: 'inv-1',
        vendorId: 'vendor-1',
        expiresAt,
        resentAt: '2026-11-21T09:30:00.000Z',
      });
    });
  });

  describe('when an invitation is accepted', () => {
    it('publishes invitation-accepted.v1 with the customer', () => {
      const message = toIntegrationEvent(recorded(acceptedBy()));
      expectValid(message);
      expect(message!.data).toEqual({
        invitationId: 'inv-1',
        vendorId: 'vendor-1',
        customerCompanyId: 'company-ann',
        customerUserId: 'user-ann',
        acceptedAt: '2026-11-20T10:00:00.000Z',
      });
    });
  });

  describe('when an invitation is cancelled', () => {
    it('publishes invitation-cancelled.v1 at the time it was recorded', () => {
      const message = toIntegrationEvent(recorded(cancelled));
      expectValid(message);
      expect(message!.data).toEqual({
        invitationId: 'inv-1',
        vendorId: 'vendor-1',
        cancelledAt: '2026-11-21T09:30:00.000Z',
      });
    });
  });

  describe('when an invitation expires', () => {
    it('publishes invitation-expired.v1', () => {
      const message = toIntegrationEvent(recorded(expired));
      expectValid(message);
      expect(message!.type).toBe('invitations.invitation-expired.v1');
      expect(message!.data).toEqual({
        invitationId: 'inv-1',
        vendorId: 'vendor-1',
        expiredAt: expired.data.expiredAt,
      });
    });
  });

  describe('when the event is internal', () => {
    it('publishes nothing for deferrals and other streams', () => {
      expect(toIntegrationEvent(recorded(deferredFor()))).toBeNull();
      expect(toIntegrationEvent(recorded(sent, 'invitation_slot-abc'))).toBeNull();
      expect(toIntegrationEvent(recorded(sent, 'user-1'))).toBeNull();
    });
  });

  describe('when the forwarder reads only the published types', () => {
    it('lists exactly the events that map to an integration event', () => {
      const all = [sent, acceptedBy(), cancelled, expired, resent(), deferredFor()];
      const published = all.filter((e) => toIntegrationEvent(recorded(e)) !== null);
      expect(published.map((e) => e.type).sort()).toEqual([...PUBLISHED_EVENT_TYPES].sort());
    });
  });

  describe('when the same domain event is mapped twice', () => {
    it('gives the same id, and different ids for different events', () => {
      const id = toIntegrationEvent(recorded(sent))!.id;
      expect(toIntegrationEvent(recorded(sent))!.id).toBe(id);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(toIntegrationEvent({ ...recorded(sent), eventId: 'other' })!.id).not.toBe(id);
    });
  });
});
