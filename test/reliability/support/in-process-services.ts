import { startIdentity } from '../../../apps/identity/start-identity';
import {
  startInvitations,
  type RunningInvitations,
} from '../../../apps/invitations/start-invitations';
import { startProjector, type ProjectorTuning } from '../../../apps/projector/start-projector';
import { createJwtVerifier, type JwtVerifier } from '../../../libs/auth/jwt-verifier';
import type { RunningService } from '../../../libs/platform/infrastructure/run-services';
import { verificationTokenIn } from '../../../libs/testing/identity-test-client';
import {
  createTestInfrastructure,
  type TestInfrastructure,
} from '../../../libs/testing/test-infrastructure';
import { waitFor } from '../../../libs/testing/wait-for';

export interface InProcessServices {
  infra: TestInfrastructure;
  identity: RunningService;
  invitations: RunningInvitations;
  projector?: RunningService;
  /** The token of the verification mail identity sent to `email`. */
  verificationToken(email: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * identity, invitations and (optionally) the projector in this process on one
 * set of embedded adapters in a temp directory (RabbitMQ when RABBITMQ_URL is
 * in `env`), the other services trusting identity's JWKS, mail kept in memory.
 */
export async function startInProcessServices(
  options: {
    env?: Record<string, string>;
    /** Names the EmailVerified queue `<consumerName>.<type>`; unique on a shared broker. */
    consumerName?: string;
    projector?: ProjectorTuning | false;
  } = {},
): Promise<InProcessServices> {
  let verifier: JwtVerifier | undefined;
  const jwtVerifier: JwtVerifier = {
    verify: (token) => verifier!.verify(token), // identity's port is known only once it listens
  };
  const infra = await createTestInfrastructure({ jwtVerifier, env: options.env });
  const started: RunningService[] = [];
  /** Closing a service twice (a test, then the cleanup) closes it once. */
  const track = <T extends RunningService>(service: T): T => {
    let closed: Promise<void> | undefined;
    const once = { ...service, close: () => (closed ??= service.close()) };
    started.push(once);
    return once;
  };
  try {
    const identity = track(await startIdentity(infra, 0));
    verifier = createJwtVerifier(new URL('/.well-known/jwks.json', identity.url));
    const invitations = track(
      await startInvitations(infra, 0, { consumerName: options.consumerName }),
    );
    const projector =
      options.projector === false || options.projector === undefined
        ? undefined
        : track(await startProjector(infra, 0, options.projector));
    return {
      infra,
      identity,
      invitations,
      projector,
      verificationToken: (email) =>
        waitFor(
          () => {
            const mail = infra.mails.find((m) => m.to === email && verificationTokenIn(m.text));
            return mail && verificationTokenIn(mail.text);
          },
          { message: `the verification mail to ${email}` },
        ),
      async close() {
        for (const service of started.reverse()) await service.close();
        await infra.close();
      },
    };
  } catch (error) {
    for (const service of started.reverse()) await service.close().catch(() => undefined);
    await infra.close();
    throw error;
  }
}
