import { Controller, Get, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { connect } from 'node:net';
import { waitFor } from '../../testing/wait-for';
import { createHttpApp } from './create-http-app';

/** Released by the test, so a request is provably in flight while the app closes. */
let release: () => void = () => undefined;
let entered = 0;

@Controller()
class SlowController {
  @Get('quick')
  quick() {
    return { quick: true };
  }

  @Get('slow')
  async slow() {
    entered += 1;
    await new Promise<void>((resolve) => (release = resolve));
    return { slow: true };
  }
}

@Module({ controllers: [SlowController] })
class SlowModule {}

describe('createHttpApp on close', () => {
  let app: NestFastifyApplication;
  let base: string;
  beforeEach(async () => {
    entered = 0;
    app = await createHttpApp(SlowModule, { title: 'slow', logger: false, closeGraceMs: 300 });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });
  afterEach(async () => {
    release();
    await app.close();
  });

  /** A raw connection to the app, collecting what it answers. */
  const rawConnection = () => {
    const socket = connect(Number(new URL(base).port), '127.0.0.1');
    socket.on('error', () => undefined);
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const ended = new Promise((resolve) => socket.on('close', resolve));
    return { socket, ended, received: () => text };
  };
  const openConnections = () =>
    new Promise<number>((resolve) => app.getHttpServer().getConnections((_, n) => resolve(n)));

  describe('when a request is in flight', () => {
    it('answers it before the server stops, so a committed command is not left unanswered', async () => {
      const answer = fetch(`${base}/slow`);
      await waitFor(() => entered === 1, { message: 'the slow request to start' });
      let closed = false;
      const closing = app.close().then(() => (closed = true));
      // The server has stopped listening; the request it holds is still served.
      await new Promise((resolve) => setImmediate(resolve));
      expect(closed).toBe(false);
      release();
      const res = await answer;
      expect(res.status).toBe(200);
      expect(res.headers.get('connection')).toBe('close');
      expect(await res.json()).toEqual({ slow: true });
      await closing;
    });
  });

  describe('when a keep-alive connection is idle', () => {
    it('closes it rather than waiting for the client to drop it', async () => {
      const res = await fetch(`${base}/quick`);
      expect(res.headers.get('connection')).not.toBe('close');
      await res.arrayBuffer();
      // Resolves only once every connection is gone: the test times out if the idle one is kept.
      await app.close();
    });
  });

  describe('when a client holds a connection without finishing its request', () => {
    it('cuts it once the grace has passed, so the close ends', async () => {
      const { socket, ended } = rawConnection();
      // Half a request head: not idle to Node, and closing turns its request timeout off.
      socket.write('GET /quick HTTP/1.1\r\nHost: x\r\n');
      await waitFor(async () => (await openConnections()) === 1, { message: 'the connection' });
      await app.close();
      await ended;
    });
  });

  describe('when a request arrives on an open connection while the app closes', () => {
    it('refuses it in problem+json with a code and Retry-After, as every other refusal', async () => {
      const { socket, ended, received } = rawConnection();
      socket.write('GET /quick HTTP/1.1\r\nHost: x\r\n');
      await waitFor(async () => (await openConnections()) === 1, { message: 'the connection' });
      const closing = app.close();
      await waitFor(() => !app.getHttpServer().listening, { message: 'the close to begin' });
      socket.write('\r\n'); // the rest of the head: a whole request, arriving while closing
      await ended;
      await closing;
      const [head, body] = received().split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 503 /);
      expect(head.toLowerCase()).toContain('content-type: application/problem+json');
      expect(head.toLowerCase()).toContain('retry-after: 1');
      expect(JSON.parse(body)).toMatchObject({ status: 503, code: 'shutting_down' });
    });
  });

  describe('when a request is pipelined behind one in flight as the app closes', () => {
    it.each([
      ['', ''],
      // A 405 is answered from a hook: it must count on its connection as any request does.
      [
        ', after a 405 on the same connection',
        'GET /quick HTTP/1.1\r\nHost: x\r\n\r\nDELETE /quick HTTP/1.1\r\nHost: x\r\n\r\n',
      ],
    ])(
      'sends both answers%s, then ends the connection without waiting for the grace',
      async (_, before) => {
        await app.close();
        app = await createHttpApp(SlowModule, {
          title: 'slow',
          logger: false,
          closeGraceMs: 60_000,
        });
        await app.listen(0, '127.0.0.1');
        base = await app.getUrl();
        const { socket, ended, received } = rawConnection();
        if (before) {
          socket.write(before);
          await waitFor(() => received().includes('HTTP/1.1 405'), { message: 'the 405' });
        }
        socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /quick HTTP/1.1\r\nHost: x\r\n\r\n');
        await waitFor(() => entered === 1, { message: 'the slow request to start' });
        let closed = false;
        const closing = app.close().then(() => (closed = true));
        await waitFor(() => !app.getHttpServer().listening, { message: 'the close to begin' });
        release();
        await waitFor(() => closed, {
          timeoutMs: 5_000,
          message: 'the close, well before the grace',
        });
        await Promise.all([ended, closing]);
        expect(received().match(/HTTP\/1\.1 \d+/g)).toEqual([
          ...(before ? ['HTTP/1.1 200', 'HTTP/1.1 405'] : []),
          'HTTP/1.1 200',
          'HTTP/1.1 200',
        ]);
        expect(received()).toContain('{"quick":true}');
      },
    );
  });
});
