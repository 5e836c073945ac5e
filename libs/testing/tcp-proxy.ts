import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** A port nothing listens on (the OS hands it out, then it is released). */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Forwards `port` on 127.0.0.1 to `target`: a dependency that can appear
 * late, or vanish, under a test's control. Closing cuts every connection.
 */
export async function startTcpProxy(
  port: number,
  target: { host: string; port: number },
  /** Sees each chunk a client sends; `false` cuts every connection instead of forwarding it. */
  forward?: (chunk: Buffer) => boolean,
): Promise<{ close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server: Server = createServer((client) => {
    const upstream = createConnection(target);
    track(client);
    track(upstream);
    if (!forward) client.pipe(upstream);
    else
      client.on('data', (chunk: Buffer) => {
        if (forward(chunk)) upstream.write(chunk);
        else for (const socket of sockets) socket.destroy();
      });
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
