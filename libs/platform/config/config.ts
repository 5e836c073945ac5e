import { isEmail } from 'class-validator';
import { join } from 'node:path';
import { ConfigError, redactCredentials } from './config-error';
import { parsePublishedKeys, parseSigningKey } from './jwt-keys';
import { trustProxy, type TrustProxy } from './trust-proxy';

export { ConfigError };

/** Configuration from the environment (design section 6), validated once at start. */
export interface AppConfig {
  eventStoreUrl: string;
  readModelUrl: string;
  /** Unset: the in-process bus. */
  rabbitmqUrl?: string;
  /** Unacked messages per consumer; unset: the transport's default (200). */
  rabbitmqPrefetch?: number;
  /** How long a consumed message's handler may run before it counts as failed and is retried. */
  messageHandlerTimeoutSeconds: number;
  /** The type consumers declare their queues with: quorum for a RabbitMQ cluster. */
  rabbitmqQueueType: 'classic' | 'quorum';
  /** Unset: emails are written to `<dataDir>/outbox/`. */
  smtpUrl?: string;
  mailFrom: string;
  publicUrl: string;
  ports: { identity: number; invitations: number; query: number };
  identityJwksUrl: string;
  dataDir: string;
  /** PEM (PKCS#8) or JWK JSON of the JWT signing key; unset in embedded mode: generated and kept in `<dataDir>/keys`. */
  jwtPrivateKey?: string;
  /** More keys for identity's JWKS (PEM blocks or JWK JSON): a key rotated in before it signs, or out after. */
  jwtPublishedKeys?: string;
  accessTokenTtlSeconds: number;
  /** Whether sending and resending invitations needs a vendor whose email is verified. */
  requireVerifiedSender: boolean;
  rateLimit: {
    invitationsPerMinute: number;
    /** Failed logins per (email, client IP) within the lockout window before that pair is refused. */
    loginMaxFailedAttempts: number;
    /** The window failed logins are counted in, from the first; a locked pair waits for its end. */
    loginLockoutSeconds: number;
    /** Failed logins from one client IP, whatever the emails, within the same window. */
    loginMaxFailedAttemptsPerIp: number;
    /** Registrations and verification resends per client IP per hour: each sends an email. */
    registrationsPerHour: number;
  };
  logLevel: string;
  /** Proxies whose `X-Forwarded-For` names the client (`TRUST_PROXY`); false: the connection's peer is. */
  trustProxy: TrustProxy;
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): AppConfig {
  const dataDir = text(env, 'DATA_DIR', './data');
  const ports = {
    identity: port(env, 'IDENTITY_PORT', 3001),
    invitations: port(env, 'INVITATIONS_PORT', 3002),
    query: port(env, 'QUERY_PORT', 3003),
  };
  return {
    eventStoreUrl: url(env, 'EVENT_STORE_URL', `sqlite:${join(dataDir, 'events.sqlite')}`, [
      'sqlite:',
      // Every scheme the KurrentDB client reads, and the older ones it is translated from.
      ...['kurrentdb', 'kurrent', 'kdb', 'esdb', 'eventstore'].flatMap((s) => [
        `${s}:`,
        `${s}+discover:`,
      ]),
    ]),
    readModelUrl: url(env, 'READ_MODEL_URL', `sqlite:${join(dataDir, 'read-models.sqlite')}`, [
      'sqlite:',
      'mongodb:',
      'mongodb+srv:',
    ]),
    rabbitmqUrl: optionalHostedUrl(env, 'RABBITMQ_URL', ['amqp:', 'amqps:']),
    rabbitmqPrefetch: optionalInt(env, 'RABBITMQ_PREFETCH', 1, 10_000),
    // Well below RabbitMQ's own consumer timeout (30 minutes by default), which would close the channel first.
    messageHandlerTimeoutSeconds: int(env, 'MESSAGE_HANDLER_TIMEOUT_SECONDS', 30, 1, 900),
    rabbitmqQueueType: oneOf(env, 'RABBITMQ_QUEUE_TYPE', 'classic', ['classic', 'quorum']) as
      'classic' | 'quorum',
    smtpUrl: optionalHostedUrl(env, 'SMTP_URL', ['smtp:', 'smtps:']),
    mailFrom: mailbox(env, 'MAIL_FROM', 'Invitations <no-reply@invitations.local>'),
    publicUrl: publicUrl(env),
    ports,
    identityJwksUrl: jwksUrl(env, ports.identity),
    dataDir,
    // Checked here although only identity reads them: `npm start` would otherwise serve invitations first.
    jwtPrivateKey: checked(env.JWT_PRIVATE_KEY || undefined, parseSigningKey),
    jwtPublishedKeys: checked(env.JWT_PUBLISHED_KEYS || undefined, parsePublishedKeys),
    accessTokenTtlSeconds: int(env, 'ACCESS_TOKEN_TTL_SECONDS', 3600, 60, 86_400),
    requireVerifiedSender:
      oneOf(env, 'INVITATIONS_REQUIRE_VERIFIED_SENDER', 'false', ['false', 'true']) === 'true',
    rateLimit: {
      invitationsPerMinute: int(env, 'INVITATIONS_RATE_LIMIT_PER_MINUTE', 60, 1, 100_000),
      loginMaxFailedAttempts: int(env, 'LOGIN_MAX_FAILED_ATTEMPTS', 10, 1, 1000),
      loginLockoutSeconds: int(env, 'LOGIN_LOCKOUT_SECONDS', 900, 1, 86_400),
      loginMaxFailedAttemptsPerIp: int(env, 'LOGIN_MAX_FAILED_ATTEMPTS_PER_IP', 100, 1, 100_000),
      registrationsPerHour: int(env, 'REGISTRATIONS_RATE_LIMIT_PER_HOUR', 20, 1, 100_000),
    },
    trustProxy: trustProxy(env.TRUST_PROXY),
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', [
      'fatal',
      'error',
      'warn',
      'info',
      'debug',
      'trace',
      'silent',
    ]),
  };
}

function text(env: Env, name: string, fallback: string): string {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  return v;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  return optionalInt(env, name, min, max) ?? fallback;
}

function optionalInt(env: Env, name: string, min: number, max: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  // Digits only: Number() also reads ' ' as 0 (a random port) and '0x10', '1e3', '+5', '5.'.
  const digits = raw.trim();
  const n = Number(digits);
  if (!/^\d+$/.test(digits) || n < min || n > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

const port = (env: Env, name: string, fallback: number) => int(env, name, fallback, 0, 65_535);

function oneOf(env: Env, name: string, fallback: string, allowed: string[]): string {
  const v = text(env, name, fallback);
  if (!allowed.includes(v))
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${v}"`);
  return v;
}

function url(env: Env, name: string, fallback: string, schemes: string[]): string {
  const v = text(env, name, fallback);
  const scheme = v.slice(0, v.indexOf(':') + 1).toLowerCase();
  if (!schemes.includes(scheme)) {
    throw new ConfigError(
      name,
      `must start with ${schemes.join(' or ')}, got "${redactCredentials(v)}"`,
    );
  }
  if (scheme === 'sqlite:' && !v.slice(scheme.length).split('?')[0]) {
    // An empty path opens a temporary database per connection: nothing would be kept.
    throw new ConfigError(name, `needs a file path after sqlite:, got "${v}"`);
  }
  if (scheme !== 'sqlite:') {
    try {
      new URL(v);
    } catch {
      throw new ConfigError(name, `is not a valid URL: "${redactCredentials(v)}"`);
    }
  }
  // Schemes are case-insensitive; the adapters are chosen by the lower-case one.
  return scheme + v.slice(scheme.length);
}

function optionalUrl(env: Env, name: string, schemes: string[]): string | undefined {
  return env[name] ? url(env, name, '', schemes) : undefined;
}

/**
 * `smtp://host…`, `amqp://host…`: without a host the services would start and
 * every mail fail at sending, and amqplib would quietly connect to a broker on
 * localhost (a template whose host came out empty).
 */
function optionalHostedUrl(env: Env, name: string, schemes: string[]): string | undefined {
  const v = optionalUrl(env, name, schemes);
  if (v !== undefined && !new URL(v).hostname) {
    throw new ConfigError(name, `needs a host, got "${redactCredentials(v)}"`);
  }
  return v;
}

/** The value as given, once `parse` has accepted it (it throws a ConfigError otherwise). */
function checked(value: string | undefined, parse: (v: string) => unknown): string | undefined {
  if (value !== undefined) parse(value);
  return value;
}

/**
 * The base of every emailed link (`<PUBLIC_URL>/verify-email?token=…`): paths are
 * appended to it, so a query or fragment would break them all. A path prefix is fine.
 */
function publicUrl(env: Env): string {
  const v = url(env, 'PUBLIC_URL', 'http://localhost:3002', ['http:', 'https:']);
  if (/[?#]/.test(v)) {
    throw new ConfigError(
      'PUBLIC_URL',
      `must have no query (?) or fragment (#), since links are made by appending paths to it, got "${redactCredentials(v)}"`,
    );
  }
  // As a URL reads it: `http:app.example.com` would otherwise be kept, and make broken links.
  return new URL(v).href.replace(/\/$/, '');
}

/** Identity's key set: by default at identity's port, which must then be a fixed one. */
function jwksUrl(env: Env, identityPort: number): string {
  if (identityPort === 0 && !env.IDENTITY_JWKS_URL) {
    throw new ConfigError(
      'IDENTITY_PORT',
      "0 (any free port) needs IDENTITY_JWKS_URL, since the services find identity's keys by its port",
    );
  }
  const fallback = `http://127.0.0.1:${identityPort}/.well-known/jwks.json`;
  return url(env, 'IDENTITY_JWKS_URL', fallback, ['http:', 'https:']);
}

/** An address, with a display name or without, as the mail's From header takes it. */
function mailbox(env: Env, name: string, fallback: string): string {
  const v = text(env, name, fallback);
  const options = { allow_display_name: true, require_tld: false };
  if (!isEmail(v, options)) {
    throw new ConfigError(name, `must be an address such as "Name <name@example.com>", got "${v}"`);
  }
  return v;
}
