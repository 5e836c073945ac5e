import { generateKeyPairSync } from 'node:crypto';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  describe('when the environment is empty', () => {
    it('uses the embedded defaults', () => {
      const c = loadConfig({});
      expect(c.eventStoreUrl).toBe('sqlite:data/events.sqlite');
      expect(c.readModelUrl).toBe('sqlite:data/read-models.sqlite');
      expect(c.rabbitmqUrl).toBeUndefined();
      expect(c.rabbitmqPrefetch).toBeUndefined();
      expect(c.rabbitmqQueueType).toBe('classic');
      expect(c.trustProxy).toBe(false);
      expect(c.ports).toEqual({ identity: 3001, invitations: 3002, query: 3003 });
      expect(c.identityJwksUrl).toBe('http://127.0.0.1:3001/.well-known/jwks.json');
      expect(c.rateLimit).toEqual({
        invitationsPerMinute: 60,
        loginMaxFailedAttempts: 10,
        loginLockoutSeconds: 900,
        loginMaxFailedAttemptsPerIp: 100,
        registrationsPerHour: 20,
      });
    });
  });

  describe('when a value is bad', () => {
    it.each([
      ['INVITATIONS_PORT', 'abc'],
      ['EVENT_STORE_URL', 'postgres://x'],
      ['RABBITMQ_URL', 'http://broker'],
      ['RABBITMQ_URL', 'amqp://'],
      ['RABBITMQ_URL', 'amqps://'],
      ['RABBITMQ_URL', 'amqp:///prod'],
      ['READ_MODEL_URL', 'mongodb://[bad'],
      ['LOG_LEVEL', 'loud'],
      ['LOGIN_MAX_FAILED_ATTEMPTS', '0'],
      ['LOGIN_LOCKOUT_SECONDS', '1.5'],
      ['LOGIN_MAX_FAILED_ATTEMPTS_PER_IP', '0'],
      ['RABBITMQ_PREFETCH', '0'],
      ['RABBITMQ_PREFETCH', 'many'],
      ['RABBITMQ_QUEUE_TYPE', 'stream'],
      ['EVENT_STORE_URL', 'sqlite:'],
      ['EVENT_STORE_URL', 'sqlite:?synchronous=normal'],
      ['READ_MODEL_URL', 'sqlite:'],
      ['IDENTITY_PORT', '0'],
      ['MAIL_FROM', 'Invitations'],
      ['MAIL_FROM', 'Invitations <no-reply>'],
      ['SMTP_URL', 'smtp://'],
      ['SMTP_URL', 'smtps://'],
      ['SMTP_URL', 'smtp:mail'],
      ['INVITATIONS_REQUIRE_VERIFIED_SENDER', 'yes'],
    ])('names %s in one line', (name, value) => {
      expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
      expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^${name}: `));
    });

    it('does not echo credentials', () => {
      expect(() => loadConfig({ RABBITMQ_URL: 'http://user:secret@host' })).toThrow(/\*\*\*@host/);
      const slashed = () => loadConfig({ RABBITMQ_URL: 'amqp://admin:p4ss/w0rd@rabbit:5672' });
      expect(slashed).toThrow(ConfigError);
      expect(slashed).not.toThrow(/p4ss|w0rd/);
    });
  });

  describe('when a whole number is not plain decimal digits', () => {
    it.each([' ', '\t', '0x10', '1e3', '+5', '5.', '-0', '8 080'])(
      'refuses "%s" naming the variable',
      (value) => {
        expect(() => loadConfig({ QUERY_PORT: value })).toThrow(ConfigError);
        expect(() => loadConfig({ QUERY_PORT: value })).toThrow(/^QUERY_PORT: /);
      },
    );
  });

  describe('when a signing key variable holds no usable key', () => {
    it.each([
      ['JWT_PRIVATE_KEY', /^JWT_PRIVATE_KEY: must be an EC P-256 private key/],
      ['JWT_PUBLISHED_KEYS', /^JWT_PUBLISHED_KEYS: must be EC P-256 keys/],
    ])('refuses %s before any service starts, never echoing the value', (name, line) => {
      const load = () => loadConfig({ [name]: 'not-a-key-s3cret' });
      expect(load).toThrow(ConfigError);
      expect(load).toThrow(line);
      expect(load).not.toThrow(/s3cret/);
    });
  });

  describe('when the signing key variables hold EC P-256 keys', () => {
    it('keeps them as given, for identity to read', () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const published = publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const config = loadConfig({ JWT_PRIVATE_KEY: pem, JWT_PUBLISHED_KEYS: published });
      expect(config.jwtPrivateKey).toBe(pem);
      expect(config.jwtPublishedKeys).toBe(published);
    });
  });

  describe('when a whole number has whitespace around it', () => {
    it('reads the digits', () => {
      expect(loadConfig({ QUERY_PORT: ' 8080\n' }).ports.query).toBe(8080);
    });
  });

  describe('when PUBLIC_URL has a query or a fragment', () => {
    it.each([
      'https://app.example.com/?utm=mail',
      'https://app.example.com?utm=mail',
      'https://app.example.com/app?',
      'https://app.example.com/#top',
    ])('refuses "%s", which would break every emailed link', (value) => {
      expect(() => loadConfig({ PUBLIC_URL: value })).toThrow(ConfigError);
      expect(() => loadConfig({ PUBLIC_URL: value })).toThrow(/^PUBLIC_URL: .*query/);
    });
  });

  describe('when PUBLIC_URL has a path prefix', () => {
    it('takes it as the links’ base, without the last slash', () => {
      expect(loadConfig({ PUBLIC_URL: 'https://example.com/app/' }).publicUrl).toBe(
        'https://example.com/app',
      );
    });
  });

  describe('when PUBLIC_URL is written loosely', () => {
    it('takes it as a URL reads it, so every link is well formed', () => {
      expect(loadConfig({ PUBLIC_URL: 'http:app.example.com' }).publicUrl).toBe(
        'http://app.example.com',
      );
    });
  });

  describe('when EVENT_STORE_URL names KurrentDB by any scheme its client reads', () => {
    it.each(['kurrent', 'kurrent+discover', 'kdb+discover', 'kurrentdb+discover'])(
      'takes %s://',
      (scheme) => {
        const url = `${scheme}://es:2113?tls=false`;
        expect(loadConfig({ EVENT_STORE_URL: url }).eventStoreUrl).toBe(url);
      },
    );
  });

  describe('when a URL scheme is not in lower case', () => {
    it('takes it as the lower-case one', () => {
      const config = loadConfig({
        EVENT_STORE_URL: 'SQLite:/tmp/events.sqlite',
        READ_MODEL_URL: 'MongoDB://db:27017/rm',
      });
      expect(config.eventStoreUrl).toBe('sqlite:/tmp/events.sqlite');
      expect(config.readModelUrl).toBe('mongodb://db:27017/rm');
    });
  });

  describe('when TRUST_PROXY is set', () => {
    it.each([
      ['', false],
      ['false', false],
      ['1', 1],
      ['loopback', ['loopback']],
      ['10.0.0.0/8, 192.168.1.7, fd00::/8', ['10.0.0.0/8', '192.168.1.7', 'fd00::/8']],
      ['::ffff:10.0.0.0/104', ['::ffff:10.0.0.0/104']],
    ])('reads "%s" as the proxies to believe', (value, expected) => {
      expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toEqual(expected);
    });

    it.each([
      'true',
      '0',
      '11',
      'proxy.internal',
      '10.0.0.0/33',
      '10.0.0.1/8/1',
      '0.0.0.0/0',
      '10.0.0.0/7',
      '::/0',
      'fc00::/6',
      '::ffff:0:0/96', // every IPv4 client, written as IPv6
      '::ffff:10.0.0.0/103',
    ])('refuses "%s" naming the variable', (value) => {
      expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(/^TRUST_PROXY: /);
    });
  });

  describe('when INVITATIONS_REQUIRE_VERIFIED_SENDER is set', () => {
    it('requires a verified sender for true only, and none by default', () => {
      expect(loadConfig({}).requireVerifiedSender).toBe(false);
      expect(
        loadConfig({ INVITATIONS_REQUIRE_VERIFIED_SENDER: 'true' }).requireVerifiedSender,
      ).toBe(true);
    });
  });

  describe('when RABBITMQ_QUEUE_TYPE is set', () => {
    it('takes quorum for the consumers queues', () => {
      expect(loadConfig({ RABBITMQ_QUEUE_TYPE: 'quorum' }).rabbitmqQueueType).toBe('quorum');
    });
  });

  describe('when RABBITMQ_PREFETCH is set', () => {
    it('takes it as the consumers prefetch', () => {
      expect(loadConfig({ RABBITMQ_PREFETCH: '50' }).rabbitmqPrefetch).toBe(50);
    });
  });

  describe('when MESSAGE_HANDLER_TIMEOUT_SECONDS is set', () => {
    it('takes it as the handlers limit, within RabbitMQ’s own consumer timeout', () => {
      expect(loadConfig({}).messageHandlerTimeoutSeconds).toBe(30);
      expect(
        loadConfig({ MESSAGE_HANDLER_TIMEOUT_SECONDS: '120' }).messageHandlerTimeoutSeconds,
      ).toBe(120);
      expect(() => loadConfig({ MESSAGE_HANDLER_TIMEOUT_SECONDS: '901' })).toThrow(
        /MESSAGE_HANDLER_TIMEOUT_SECONDS/,
      );
    });
  });
});
