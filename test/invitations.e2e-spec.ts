import { CLOUDEVENTS_CONTENT_TYPE } from '../libs/contracts';
import { waitFor } from '../libs/testing/wait-for';
import {
  describeWithRabbitMq,
  PUBLIC_URL,
  WAIT_MS,
  startE2eServices,
  type Body,
  type E2eServices,
  type E2eUser,
} from '../apps/invitations/testing/e2e-services';

describeWithRabbitMq('invitations (e2e)', (rabbitUrl) => {
  let s: E2eServices;

  beforeAll(async () => {
    s = await startE2eServices(rabbitUrl);
  });
  afterAll(() => s?.close());

  describe('when a vendor invites a customer who registers and verifies later', () => {
    let vendor: E2eUser;
    let customer: E2eUser;
    let invitationId: string;
    let acceptUrl: string;

    it('emails the accept link by SMTP and announces invitation-sent.v1', async () => {
      vendor = await s.register('vendor', { verified: true });
      const email = s.unique('customer');
      const sent = await s.invite(vendor, email.toUpperCase(), { businessName: 'Lee Bakery' });
      ({ invitationId, acceptUrl } = sent);
      expect(sent).toMatchObject({ status: 'pending', email });
      expect(acceptUrl).toMatch(
        new RegExp(`^${PUBLIC_URL}/invitations/${invitationId}/accept\\?token=[\\w-]{43}$`),
      );
      expect((await s.mailTo(email)).text).toContain(acceptUrl);

      const type = 'invitations.invitation-sent.v1';
      const [message] = await s.announced(type, invitationId);
      expect(JSON.parse(message.content.toString())).toMatchObject({
        specversion: '1.0',
        source: '/invitations',
        type,
        subject: invitationId,
        data: { invitationId, vendorId: vendor.companyId, email, expiresAt: sent.expiresAt },
      });
      expect(message.properties).toMatchObject({
        contentType: CLOUDEVENTS_CONTENT_TYPE,
        type,
        deliveryMode: 2,
      });
      expect(message.content.toString()).not.toContain(s.tokenOf(acceptUrl));

      customer = await s.register('customer', { email });
    });

    it('defers the unverified customer’s acceptance with 202', async () => {
      const res = await s.accept(invitationId, customer, s.tokenOf(acceptUrl));
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ invitationId, status: 'pending', awaiting: 'email_verification' });
      expect(res.headers.get('x-event-position')).toMatch(/^\d+$/);
    });

    it('completes the acceptance once the email is verified, and announces it', async () => {
      await s.verifyEmail(customer.email);
      const read = (await waitFor(
        async () => {
          const res = await s.api('GET', `/invitations/${invitationId}`, vendor);
          return res.body.status === 'accepted' && res.body;
        },
        { timeoutMs: WAIT_MS, message: 'the invitation to read accepted' },
      )) as Body;
      expect(read).toMatchObject({
        invitationId,
        vendorId: vendor.companyId,
        businessName: 'Lee Bakery',
        customerCompanyId: customer.companyId,
        acceptedAt: expect.any(String),
      });
      const type = 'invitations.invitation-accepted.v1';
      const [message] = await s.announced(type, invitationId);
      expect(JSON.parse(message.content.toString()).data).toEqual({
        invitationId,
        vendorId: vendor.companyId,
        customerCompanyId: customer.companyId,
        customerUserId: customer.userId,
        acceptedAt: read.acceptedAt,
      });
    });

    it('answers a repeat accept by the same company with 200 and records nothing', async () => {
      const head = await s.infra.eventStore.headPosition();
      const res = await s.accept(invitationId, customer, s.tokenOf(acceptUrl));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        invitationId,
        status: 'accepted',
        vendorId: vendor.companyId,
        customerCompanyId: customer.companyId,
      });
      expect(await s.appendedSince(head)).toEqual([]);
    });

    it('changes nothing when the link itself is fetched', async () => {
      const head = await s.infra.eventStore.headPosition();
      const res = await fetch(
        `${s.invitations.url}/invitations/${invitationId}/accept?token=${s.tokenOf(acceptUrl)}`,
      );
      // The API takes the token by POST only: a GET of the link is told so.
      expect([res.status, res.headers.get('allow')]).toEqual([405, 'POST']);
      expect(await s.appendedSince(head)).toEqual([]);
    });
  });

  describe('when requests race', () => {
    it('lets one of two sends to the same email through and refuses the other', async () => {
      const vendor = await s.register('vendor');
      const body = { email: s.unique('race'), firstName: 'R', lastName: 'C' };
      const replies = await Promise.all(
        [1, 2].map(() => s.api('POST', '/invitations', vendor, body)),
      );
      expect(replies.map((r) => r.status).sort()).toEqual([201, 409]);
      const created = replies.find((r) => r.status === 201)!.body;
      expect(replies.find((r) => r.status === 409)!.body).toMatchObject({
        code: 'invitation_already_pending',
        invitationId: created.invitationId,
      });
    });

    it('records exactly one InvitationAccepted for two concurrent accepts', async () => {
      const vendor = await s.register('vendor');
      const customer = await s.register('customer', { verified: true });
      const { invitationId, acceptUrl } = await s.invite(vendor, customer.email);
      const replies = await Promise.all(
        [1, 2].map(() => s.accept(invitationId, customer, s.tokenOf(acceptUrl))),
      );
      expect(replies.map((r) => r.status)).toEqual([200, 200]);
      const types = await s.typesOf(invitationId);
      expect(types.filter((t) => t === 'InvitationAccepted')).toHaveLength(1);
    });
  });

  describe('when the service is asked about itself', () => {
    it('is alive and ready, and documents its routes', async () => {
      expect((await fetch(`${s.invitations.url}/health`)).status).toBe(200);
      expect((await fetch(`${s.invitations.url}/ready`)).status).toBe(200);
      const doc = (await (await fetch(`${s.invitations.url}/docs-json`)).json()) as {
        paths: object;
      };
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining([
          '/invitations',
          '/invitations/{id}',
          '/invitations/{id}/resend',
          '/invitations/{id}/cancel',
          '/invitations/{id}/accept',
        ]),
      );
    });
  });
});
