import { randomUUID } from 'node:crypto';
import { IntegrationEventTypes, type CloudEvent } from '../../../libs/contracts';
import { waitFor } from '../../../libs/testing/wait-for';
import {
  startInvitationsTestApp,
  testUser,
  tokenOf,
  type InvitationsTestApp,
} from '../testing/invitations-test-app';

const emailVerified = (userId: string, email: string): CloudEvent => ({
  specversion: '1.0',
  id: randomUUID(),
  source: '/identity',
  type: IntegrationEventTypes.emailVerified,
  time: new Date().toISOString(),
  datacontenttype: 'application/json',
  subject: userId,
  data: { userId, email, verifiedAt: new Date().toISOString() },
});

describe('on identity.email-verified.v1', () => {
  let t: InvitationsTestApp;
  const vendor = testUser('vendor');

  beforeEach(async () => {
    t = await startInvitationsTestApp({ service: true });
  });
  afterEach(() => t.close());

  const deferred = async () => {
    const customer = testUser('customer', {
      email: `${randomUUID()}@example.com`,
      emailVerified: false,
    });
    const { invitationId, acceptUrl } = await t.invite(vendor, { email: customer.email });
    const reply = await t.call('POST', `/invitations/${invitationId}/accept`, {
      as: customer,
      body: { token: tokenOf(acceptUrl) },
    });
    expect(reply.status).toBe(202);
    return { customer, invitationId };
  };
  const accepted = async (invitationId: string) =>
    (await t.eventTypes(invitationId)).filter((type) => type === 'InvitationAccepted').length;

  describe('when the customer has a deferred acceptance', () => {
    it('completes it, and a redelivery records nothing more', async () => {
      const { customer, invitationId } = await deferred();
      const event = emailVerified(customer.userId, customer.email);
      await t.infra.broker.publish([event]);
      await waitFor(async () => (await accepted(invitationId)) === 1, {
        message: 'InvitationAccepted',
      });
      const read = await t.call('GET', `/invitations/${invitationId}`, { as: vendor });
      expect(read.body).toMatchObject({
        status: 'accepted',
        customerCompanyId: customer.companyId,
      });

      const head = await t.infra.eventStore.headPosition();
      const verification = `customer_verification-${customer.userId}`;
      const reads = jest.spyOn(t.infra.eventStore, 'readStream');
      // The in-process bus confirms a publish once its handlers are done: both were handled.
      await t.infra.broker.publish([event, emailVerified(customer.userId, customer.email)]);
      expect(reads.mock.calls.filter(([s]) => s === verification).length).toBeGreaterThanOrEqual(2);
      reads.mockRestore();
      expect(await t.infra.broker.deadLetters('invitations.identity.email-verified.v1')).toEqual(
        [],
      );
      expect(await t.infra.eventStore.headPosition()).toBe(head);
    });
  });

  describe('when the customer has several deferred acceptances', () => {
    it('completes each of them', async () => {
      const customer = testUser('customer', {
        email: `${randomUUID()}@example.com`,
        emailVerified: false,
      });
      const ids: string[] = [];
      for (const v of [testUser('vendor'), testUser('vendor')]) {
        const { invitationId, acceptUrl } = await t.invite(v, { email: customer.email });
        await t.call('POST', `/invitations/${invitationId}/accept`, {
          as: customer,
          body: { token: tokenOf(acceptUrl) },
        });
        ids.push(invitationId);
      }
      await t.infra.broker.publish([emailVerified(customer.userId, customer.email)]);
      await waitFor(async () =>
        (await Promise.all(ids.map(accepted))).every((count) => count === 1),
      );
    });
  });

  describe('when the customer has nothing deferred', () => {
    it('only notes the verification, so a later accept with an old token completes at once', async () => {
      const customer = testUser('customer', {
        email: `${randomUUID()}@example.com`,
        emailVerified: false,
      });
      await t.infra.broker.publish([emailVerified(customer.userId, customer.email)]);
      const verification = `customer_verification-${customer.userId}`;
      await waitFor(async () => (await t.infra.eventStore.readStream(verification)).length === 1);
      const { invitationId, acceptUrl } = await t.invite(vendor, { email: customer.email });
      const reply = await t.call('POST', `/invitations/${invitationId}/accept`, {
        as: customer,
        body: { token: tokenOf(acceptUrl) },
      });
      expect(reply.status).toBe(200);
    });
  });
});
