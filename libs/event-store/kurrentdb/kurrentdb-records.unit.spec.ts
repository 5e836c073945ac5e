import type { AllStreamResolvedEvent } from '@kurrent/kurrentdb-client';
import { exactTypes, toRecorded } from './kurrentdb-records';

const metadata = {
  correlationId: 'c1',
  causationId: 'c0',
  actor: 'service:test',
  occurredAt: '2026-11-27T10:00:00.000Z',
};

/** One event of `$all` as the client resolves it. */
const resolved = (event: Partial<NonNullable<AllStreamResolvedEvent['event']>>) =>
  ({
    commitPosition: 7n,
    event: {
      streamId: 'invitation-1',
      revision: 0n,
      id: 'e1',
      type: 'InvitationSent',
      data: { invitationId: '1' },
      metadata,
      isJson: true,
      created: new Date(),
      position: { commit: 7n, prepare: 7n },
      ...event,
    },
  }) as unknown as AllStreamResolvedEvent;

describe('toRecorded', () => {
  describe('when the event came from a multi-stream append', () => {
    it('gives back the metadata as appended, without the keys the server adds', () => {
      const stored = { ...metadata, '$schema.name': 'InvitationSent', '$schema.format': 'Json' };

      expect(toRecorded(resolved({ metadata: stored }))?.metadata).toEqual(metadata);
    });
  });

  describe('when the event is a system event', () => {
    it('is not one of ours', () => {
      expect(
        toRecorded(resolved({ type: '$metadata', streamId: '$$invitation-1' })),
      ).toBeUndefined();
    });
  });

  describe('when another service appended an event that is not JSON', () => {
    it('passes it over as not one of ours', () => {
      const binary = resolved({ isJson: false, data: new Uint8Array([1, 2]) as never });

      expect(toRecorded(binary)).toBeUndefined();
    });
  });

  describe('when another service appended JSON without metadata or with other data', () => {
    it('passes it over as not one of ours', () => {
      expect(toRecorded(resolved({ metadata: undefined as never }))).toBeUndefined();
      expect(toRecorded(resolved({ data: 'text' as never }))).toBeUndefined();
      expect(toRecorded(resolved({ data: [1, 2] as never }))).toBeUndefined();
    });
  });

  describe('when the server gives an event no position', () => {
    it('refuses it, naming the event', () => {
      const unplaced = { ...resolved({}), commitPosition: undefined } as AllStreamResolvedEvent;
      unplaced.event!.position = undefined as never;

      expect(() => toRecorded(unplaced)).toThrow('event invitation-1@0: no position');
    });
  });
});

describe('exactTypes', () => {
  describe('when types hold regex characters', () => {
    it('matches exactly those types and nothing longer', () => {
      const regex = new RegExp(exactTypes(['A.b', 'C+']));

      expect(['A.b', 'C+'].map((t) => regex.test(t))).toEqual([true, true]);
      expect(['Axb', 'A.bc', 'CC', 'xC+'].some((t) => regex.test(t))).toBe(false);
    });
  });
});
