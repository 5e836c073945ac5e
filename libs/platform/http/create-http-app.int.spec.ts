import {
  Body,
  Controller,
  Get,
  Logger,
  Module,
  Post,
  Query,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { IsEmail, IsOptional, IsString } from 'class-validator';
import { connect } from 'node:net';
import { conflict, unauthenticated } from '../errors/app-error';
import { createLogger } from '../observability/logger';
import { OpsEndpointsModule } from '../observability/ops-endpoints.module';
import { createHttpApp } from './create-http-app';
import { AnyQuery } from './unexpected-query.guard';

class EchoDto {
  @IsEmail() email!: string;
  @IsString() name!: string;
}

class SearchQuery {
  @IsOptional() @IsString() name?: string;
}

class SignedIn implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const { headers } = context.switchToHttp().getRequest<{ headers: Record<string, string> }>();
    if (!headers.authorization) throw unauthenticated('missing_token', 'Sign in first.');
    return true;
  }
}

@Controller()
class ProbeController {
  @Get('search')
  search(@Query() query: SearchQuery) {
    return query;
  }

  @Get('mine')
  @UseGuards(SignedIn)
  mine() {
    return { mine: true };
  }

  @Get('mine/:id')
  @UseGuards(SignedIn)
  mineById() {
    return { mine: true };
  }

  @Post('echo')
  echo(@Body() body: EchoDto) {
    return body;
  }

  @Post('nudge')
  nudge() {
    return { nudged: true };
  }

  @Post('taken')
  taken() {
    throw conflict('email_taken', 'That email is registered.', { userId: 'u1' });
  }

  @Get('items/:id')
  item() {
    return {};
  }

  @Get('boom')
  boom() {
    throw new Error('secret internals');
  }
}

/** One handler served by two controllers, one of them open to any query. */
class SharedRoute {
  @Get()
  shared() {
    return { shared: true };
  }
}
@Controller('strict-shared')
class StrictShared extends SharedRoute {}
@AnyQuery()
@Controller('loose-shared')
class LooseShared extends SharedRoute {}

let healthy = true;
@Module({
  imports: [
    OpsEndpointsModule.register({ store: async () => healthy || Promise.reject(new Error('no')) }),
  ],
  controllers: [ProbeController, StrictShared, LooseShared],
})
class ProbeModule {}

describe('createHttpApp', () => {
  let app: NestFastifyApplication;
  let base: string;
  beforeAll(async () => {
    app = await createHttpApp(ProbeModule, { title: 'probe', bodyLimitBytes: 1024, logger: false });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });
  afterAll(() => app.close());

  const post = (path: string, body: string, type = 'application/json') =>
    fetch(`${base}${path}`, { method: 'POST', body, headers: { 'content-type': type } });

  /** The status, with the body read, so no connection is left busy when the app closes. */
  const statusOf = async (url: string) => {
    const res = await fetch(url);
    await res.arrayBuffer();
    return res.status;
  };

  /** Sends `request` as it is, and reads the answer until the server closes. */
  const rawRequest = (request: string) =>
    new Promise<string>((resolve, reject) => {
      const { hostname, port } = new URL(base);
      const socket = connect(Number(port), hostname, () => socket.end(request));
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
      socket.on('error', reject);
      socket.on('close', () => resolve(answer));
    });

  async function expectProblem(res: Response, status: number, code: string) {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const body = (await res.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(body).toMatchObject({
      status,
      code,
      type: expect.any(String),
      title: expect.any(String),
    });
    // The contract: every 400 names what is wrong, field by field.
    if (status === 400) {
      expect(body.errors).toEqual(
        expect.arrayContaining([{ field: expect.any(String), message: expect.any(String) }]),
      );
    }
    return body;
  }

  describe('when the body is valid', () => {
    it('answers and echoes the correlation id', async () => {
      const res = await fetch(`${base}/echo`, {
        method: 'POST',
        body: JSON.stringify({ email: 'a@b.co', name: 'A' }),
        headers: { 'content-type': 'application/json', 'x-correlation-id': 'corr-1' },
      });
      expect(res.status).toBe(201);
      expect(res.headers.get('x-correlation-id')).toBe('corr-1');
    });
  });

  describe('when a POST without a body is labelled JSON', () => {
    it('takes it as no body', async () => {
      const res = await post('/nudge', '');
      expect(res.status).toBe(201);
      expect(await res.json()).toEqual({ nudged: true });
    });

    it('refuses it where a body is needed, naming the missing fields', async () => {
      const body = await expectProblem(await post('/echo', ''), 400, 'validation_failed');
      expect(body.errors.map((e: { field: string }) => e.field)).toEqual(
        expect.arrayContaining(['email', 'name']),
      );
    });
  });

  describe('when the input is bad', () => {
    it('refuses malformed JSON with 400, naming the body', async () => {
      const body = await expectProblem(await post('/echo', '{"email":'), 400, 'bad_request');
      expect(body.errors).toEqual([{ field: 'body', message: body.detail }]);
    });

    it('refuses a key that could reach a prototype with 400, saying so', async () => {
      for (const json of ['{"__proto__":{"a":1}}', '{"constructor":{"prototype":{"a":1}}}']) {
        const body = await expectProblem(await post('/echo', json), 400, 'bad_request');
        expect(body.detail).toContain('"__proto__" key');
      }
    });

    it('refuses a body that is not a JSON object with one error', async () => {
      for (const json of ['[{},{},{}]', '"ann@example.com"', '42']) {
        const body = await expectProblem(await post('/echo', json), 400, 'validation_failed');
        expect(body.errors).toEqual([{ field: 'body', message: 'must be a JSON object' }]);
      }
    });

    it('refuses unknown and invalid fields with 400 and lists each field', async () => {
      const body = await expectProblem(
        await post('/echo', JSON.stringify({ email: 'nope', name: 'A', extra: 1 })),
        400,
        'validation_failed',
      );
      expect(body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['email', 'extra']);
    });

    it('refuses a body over the limit with 413', async () => {
      await expectProblem(
        await post('/echo', JSON.stringify({ name: 'x'.repeat(4096) })),
        413,
        'payload_too_large',
      );
    });

    it('refuses an unsupported media type with 415', async () => {
      await expectProblem(
        await post('/echo', '<a/>', 'application/xml'),
        415,
        'unsupported_media_type',
      );
    });

    it('refuses the types a browser posts cross-site without asking, with 415', async () => {
      const form = 'email=ann%40example.com&name=Ann';
      for (const type of ['application/x-www-form-urlencoded', 'text/plain']) {
        await expectProblem(await post('/echo', form, type), 415, 'unsupported_media_type');
      }
      const json = JSON.stringify({ email: 'ann@example.com', name: 'Ann' });
      await expectProblem(await post('/echo', json, 'text/plain'), 415, 'unsupported_media_type');
      expect((await post('/echo', json, 'application/json; charset=utf-8')).status).toBe(201);
    });

    it('refuses a body compressed or labelled UTF-16 or UTF-32 with 415, saying so', async () => {
      const json = JSON.stringify({ email: 'ann@example.com', name: 'Ann' });
      const sent = (headers: Record<string, string>) =>
        fetch(`${base}/echo`, {
          method: 'POST',
          body: json,
          headers: { 'content-type': 'application/json', ...headers },
        });
      for (const headers of <Array<Record<string, string>>>[
        { 'content-encoding': 'gzip' },
        { 'content-encoding': 'identity, br' },
        { 'content-type': 'application/json; charset=utf-16' },
        { 'content-type': 'application/json; charset="UTF-32LE"' },
      ]) {
        const body = await expectProblem(await sent(headers), 415, 'unsupported_media_type');
        expect(body.detail).toMatch(/Content-Encoding (gzip|br)|charset=(utf-16|UTF-32LE)/);
      }
      // Other charsets change nothing (RFC 8259): the body is read as UTF-8.
      for (const headers of <Array<Record<string, string>>>[
        { 'content-encoding': 'identity, identity' },
        { 'content-type': 'application/json; charset=UTF8' },
        { 'content-type': 'application/json; charset=ISO-8859-1' },
        { 'content-type': 'application/json; profile="x; charset=utf-16"' },
      ]) {
        expect((await sent(headers)).status).toBe(201);
      }
    });

    it('refuses a body nested too deep with 400 before validation walks it', async () => {
      const deep = '['.repeat(400) + ']'.repeat(400);
      await expectProblem(await post('/echo', deep), 400, 'body_too_deep');
      const nested = `{"email":"a@b.co","name":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`;
      await expectProblem(await post('/echo', nested), 400, 'body_too_deep');
    });

    it('refuses text that is not valid Unicode with 400', async () => {
      await expectProblem(
        await post('/echo', '{"email":"\\ud800","name":"A"}'),
        400,
        'malformed_text',
      );
    });

    it('refuses bytes that are not UTF-8 with 400, however the body is framed', async () => {
      const bytes = Buffer.concat([
        Buffer.from('{"email":"a@b.co","name":"A'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('"}'),
      ]);
      const framed = new Blob([bytes]);
      const chunked = new Blob([bytes]).stream();
      for (const body of [framed, chunked]) {
        const res = await fetch(`${base}/echo`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json' },
          duplex: 'half',
        } as RequestInit);
        const problem = await expectProblem(res, 400, 'malformed_text');
        expect(problem.detail).toBe('The JSON body is not valid UTF-8.');
      }
    });

    it('answers malformed URLs with problem+json, naming the URL', async () => {
      const body = await expectProblem(await fetch(`${base}/echo/%zz`), 400, 'bad_request');
      expect(body.errors).toEqual([{ field: 'url', message: body.detail }]);
    });

    it.each([
      ['a Content-Length that is not a number', 'Content-Length: abc\r\n', 400, 'bad_request'],
      [
        'both Content-Length and chunked encoding',
        'Content-Length: 2\r\nTransfer-Encoding: chunked\r\n',
        400,
        'bad_request',
      ],
      ['a header block too large', `X-Big: ${'a'.repeat(20_000)}\r\n`, 431, 'headers_too_large'],
    ])('answers HTTP with %s with problem+json', async (_, headers, status, code) => {
      const answer = await rawRequest(`POST /echo HTTP/1.1\r\nHost: x\r\n${headers}\r\n{}`);
      const [head, body] = answer.split('\r\n\r\n');
      expect(head).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
      expect(head).toMatch(/content-type: application\/problem\+json/i);
      const problem = JSON.parse(body) as Record<string, unknown>;
      expect(problem).toMatchObject({ status, code, type: `urn:problem:${code}` });
      if (status === 400)
        expect(problem.errors).toEqual([{ field: 'request', message: problem.detail }]);
    });

    it.each([
      [
        'an Expect it cannot meet',
        'POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\n',
        417,
        'expectation_failed',
      ],
      ['no Host header', 'GET /health HTTP/1.1\r\n', 400, 'bad_request'],
    ])(
      'answers a request with %s in problem+json, where Node sent an empty answer',
      async (_, head, status, code) => {
        const answer = await rawRequest(`${head}Content-Length: 2\r\nConnection: close\r\n\r\n{}`);
        const [statusLine, body] = answer.split('\r\n\r\n');
        expect(statusLine).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
        expect(statusLine).toMatch(/content-type: application\/problem\+json/i);
        expect(JSON.parse(body)).toMatchObject({ status, code });
      },
    );

    it('routes a path parameter of any length, so its route answers for it', async () => {
      expect(await statusOf(`${base}/items/${'a'.repeat(5000)}`)).toBe(200);
      await expectProblem(await fetch(`${base}/mine/${'a'.repeat(200)}`), 401, 'missing_token');
    });

    it('answers an unknown route with 404', async () => {
      await expectProblem(await fetch(`${base}/nowhere`), 404, 'not_found');
    });

    it('names an unknown route without its query, which may hold a link’s token', async () => {
      const answer = await fetch(`${base}/verify-email?token=secret-token`);
      const problem = (await answer.json()) as { detail: string };
      expect([answer.status, problem.detail]).toEqual([404, 'Cannot GET /verify-email']);
    });

    it('answers a path it serves with another method with 405 and Allow, and OPTIONS with 204', async () => {
      const wrong = await fetch(`${base}/echo`, { method: 'DELETE' });
      expect(wrong.headers.get('allow')).toBe('POST');
      await expectProblem(wrong, 405, 'method_not_allowed');
      const byId = await fetch(`${base}/mine/abc?x=1`, { method: 'PUT' });
      expect(byId.headers.get('allow')).toBe('GET, HEAD');
      await expectProblem(byId, 405, 'method_not_allowed');
      const options = await fetch(`${base}/echo`, { method: 'OPTIONS' });
      expect([options.status, options.headers.get('allow')]).toEqual([204, 'POST']);
      await expectProblem(await fetch(`${base}/nowhere`, { method: 'DELETE' }), 404, 'not_found');
      // A trailing slash is another path to the router: not found, whatever the method.
      await expectProblem(await post('/echo/', '{}'), 404, 'not_found');
      await expectProblem(await fetch(`${base}/mine/abc/`), 404, 'not_found');
    });
  });

  describe('when the API docs are asked for', () => {
    it('serves the OpenAPI document and the Swagger UI with its assets', async () => {
      const doc = await fetch(`${base}/docs-json`);
      expect(doc.status).toBe(200);
      const document = (await doc.json()) as {
        info: { title: string };
        paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
        components: { schemas: Record<string, unknown> };
      };
      expect(document.info.title).toBe('probe');
      // Every route lists what the HTTP layer answers on its own, as problem+json.
      const echo = document.paths['/echo'].post.responses;
      expect(Object.keys(echo)).toEqual(expect.arrayContaining(['400', '413', '415', '503']));
      expect(echo['415']).toMatchObject({
        content: {
          'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
        },
      });
      expect(document.components.schemas.Problem).toMatchObject({
        required: ['type', 'title', 'status', 'detail', 'code'],
      });
      const page = await fetch(`${base}/docs`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      const html = await page.text();
      // The page loads its script from the static files the UI serves beside it.
      const script = /src="\.?\/?(?:docs\/)?([\w.-]*swagger-ui-bundle\.js)"/.exec(html)?.[1];
      expect(script).toBeDefined();
      const asset = await fetch(`${base}/docs/${script}`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toContain('javascript');
      expect((await asset.text()).length).toBeGreaterThan(0); // read: else its socket outlives the app
    });
  });

  describe('when the application refuses or fails', () => {
    it('maps an AppError to its status, code and extra members', async () => {
      const body = await expectProblem(await post('/taken', '{}'), 409, 'email_taken');
      expect(body.userId).toBe('u1');
    });

    it('hides internals of an unexpected error behind a 500', async () => {
      const body = await expectProblem(await fetch(`${base}/boom`), 500, 'internal_error');
      expect(JSON.stringify(body)).not.toContain('secret');
    });
  });

  describe('when a request carries a query string', () => {
    it('refuses it on a route that takes none, naming each parameter', async () => {
      const body = await expectProblem(
        await fetch(`${base}/items/1?fields=email&dryRun=true`),
        400,
        'validation_failed',
      );
      expect(body.errors).toEqual([
        { field: 'fields', message: 'property fields should not exist' },
        { field: 'dryRun', message: 'property dryRun should not exist' },
      ]);
      await expectProblem(await post('/nudge?notify=false', ''), 400, 'validation_failed');
    });

    it('names the first 20 parameters and counts the rest', async () => {
      const query = [...Array(1000)].map((_, i) => `p${i}=1`).join('&');
      const body = await expectProblem(
        await fetch(`${base}/items/1?${query}`),
        400,
        'validation_failed',
      );
      expect(body.errors).toHaveLength(21);
      expect(body.errors.at(-1)).toEqual({
        field: 'query',
        message: '980 more unknown properties should not exist',
      });
    });

    it('refuses it before the route’s own guards, as other malformed requests', async () => {
      await expectProblem(await fetch(`${base}/mine?x=1`), 400, 'validation_failed');
      const refused = await fetch(`${base}/mine`);
      // Not a bearer challenge (as identity's login refusal): no WWW-Authenticate.
      expect(refused.headers.get('www-authenticate')).toBeNull();
      await expectProblem(refused, 401, 'missing_token');
      const signedIn = { headers: { authorization: 'Bearer t' } };
      expect((await fetch(`${base}/mine`, signedIn)).status).toBe(200);
    });

    it('judges a handler shared by two controllers by each controller', async () => {
      expect(await statusOf(`${base}/loose-shared?x=1`)).toBe(200);
      expect(await statusOf(`${base}/strict-shared?x=1`)).toBe(400);
      expect(await statusOf(`${base}/loose-shared?x=1`)).toBe(200);
    });

    it('validates it on a route that takes one, and lets probes through', async () => {
      expect(await (await fetch(`${base}/search?name=ann`)).json()).toEqual({ name: 'ann' });
      await expectProblem(await fetch(`${base}/search?nme=ann`), 400, 'validation_failed');
      expect(await statusOf(`${base}/health?probe=1`)).toBe(200);
      expect(await statusOf(`${base}/metrics?_=1`)).toBe(200);
    });
  });

  describe('when a dependency is down', () => {
    it('is alive but not ready', async () => {
      healthy = false;
      expect(await statusOf(`${base}/health`)).toBe(200);
      const notReady = await fetch(`${base}/ready`);
      expect(notReady.headers.get('retry-after')).toBe('1');
      await expectProblem(notReady, 503, 'not_ready');
      healthy = true;
      expect(await statusOf(`${base}/ready`)).toBe(200);
      expect(await (await fetch(`${base}/metrics`)).text()).toContain('process_cpu');
    });

    it('logs one line naming the dependency, not an error with a stack', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      try {
        healthy = false;
        await expectProblem(await fetch(`${base}/ready`), 503, 'not_ready');
        expect(warn).toHaveBeenCalledWith('not_ready: store down (no)');
        expect(error).not.toHaveBeenCalled();
      } finally {
        healthy = true;
        warn.mockRestore();
        error.mockRestore();
      }
    });
  });

  describe('when two apps of one process fail', () => {
    it('logs each failure under its own service, not the last app’s', async () => {
      const lines: string[] = [];
      const logTo = (service: string) =>
        createLogger(service, 'info', { write: (line) => void lines.push(line) });
      const first = await createHttpApp(ProbeModule, { title: 'a', logger: logTo('first') });
      const second = await createHttpApp(ProbeModule, { title: 'b', logger: logTo('second') });
      await first.listen(0, '127.0.0.1');
      try {
        await expectProblem(await fetch(`${await first.getUrl()}/boom`), 500, 'internal_error');
        const failures = lines
          .map((line) => JSON.parse(line) as { service: string; context?: string; msg?: string })
          .filter((line) => line.context === 'http');
        expect(failures).toEqual([
          expect.objectContaining({
            service: 'first',
            msg: expect.stringContaining('secret internals'),
          }),
        ]);
      } finally {
        await Promise.all([first.close(), second.close()]);
      }
    });
  });

  describe('when a request URL carries a token', () => {
    it('logs the request with the token replaced', async () => {
      const lines: string[] = [];
      const logger = createLogger('probe', 'info', { write: (line) => void lines.push(line) });
      const logged = await createHttpApp(ProbeModule, { title: 'probe', logger });
      await logged.listen(0, '127.0.0.1');
      try {
        // Refused (the route takes no query), and logged with the tokens replaced all the same.
        const url = `${await logged.getUrl()}/items/1?token=SECRET-1&a=1&TOKEN=SECRET-2`;
        expect(await statusOf(url)).toBe(400);
        const log = lines.join('');
        expect(log).toContain('/items/1?token=[Redacted]&a=1&TOKEN=[Redacted]');
        expect(log).not.toContain('SECRET');
      } finally {
        await logged.close();
      }
    });
  });
});

describe('createHttpApp, when a request is slow to arrive', () => {
  let app: NestFastifyApplication;
  beforeAll(async () => {
    app = await createHttpApp(ProbeModule, {
      title: 'probe',
      logger: false,
      requestTimeoutMs: 200,
    });
    await app.listen(0, '127.0.0.1');
  });
  afterAll(() => app.close());

  /** Sends `sent` and holds the connection open, reading the answer until the server closes it. */
  const sendAndHold = async (sent: string) => {
    const { hostname, port } = new URL(await app.getUrl());
    return new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => socket.write(sent));
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
      socket.on('error', reject);
      socket.on('close', () => resolve(answer));
    });
  };

  it.each([
    [
      'part of its body',
      'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{',
    ],
    ['part of its head', 'GET /echo HTTP/1.1\r\nHost: x\r\n'],
  ])('answers one that sent only %s with 408 problem+json and closes it', async (_, sent) => {
    const answer = await sendAndHold(sent);
    const [head, body] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1.1 408 /);
    expect(head).toMatch(/content-type: application\/problem\+json/i);
    expect(JSON.parse(body)).toMatchObject({ status: 408, code: 'request_timeout' });
  });

  it.each([
    ['a method its path does not take', 'PUT /echo HTTP/1.1\r\nHost: x\r\n', 405],
    ['no Host', 'POST /echo HTTP/1.1\r\n', 400],
  ])(
    'answers one refused for %s before its body arrived once, and closes it',
    async (_, head, status) => {
      const answer = await sendAndHold(`${head}Content-Length: 50\r\n\r\n{`);
      expect(answer.match(/HTTP\/1.1 \d{3}/g)).toEqual([`HTTP/1.1 ${status}`]); // one answer
      expect(answer).toMatch(/connection: close/i);
    },
  );
});
