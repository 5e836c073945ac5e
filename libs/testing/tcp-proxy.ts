import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** A dependency's stand-in on 127.0.0.1 that a test can cut or turn away, on a port it keeps. */
export interface TcpProxy {
  /** Bound for the proxy's whole life, so no other test can take it meanwhile. */
  port: number;
  /** Cuts every connection; the next ones are forwarded again. */
  cut(): void;
  /** While refusing, each new connection is cut as it is accepted, as if nothing listened. */
  refuse(refusing: boolean): void;
  close(): Promise<void>;
}

export interface TcpProxyOptions {
  /** Refusing from the start: a dependency that appears late. */
  refusing?: boolean;
  /** Sees each chunk a client sends; `false` cuts every connection instead of forwarding it. */
  forward?: (chunk: Buffer) => boolean;
}

/**
 * Forwards a port the OS gives on 127.0.0.1 to `target`: a dependency that
 * can appear late, or vanish, under a test's control. Closing cuts every
 * connection.
 */
export async function startTcpProxy(
  target: { host: string; port: number },
  options: TcpProxyOptions = {},
): Promise<TcpProxy> {
  const { forward } = options;
  let refusing = options.refusing ?? false;
  const sockets = new Set<Socket>();
  const cut = () => sockets.forEach((socket) => socket.destroy());
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server: Server = createServer((client) => {
    if (refusing) return void client.destroy();
    const upstream = createConnection(target);
    track(client);
    track(upstream);
    if (!forward) client.pipe(upstream);
    else
      client.on('data', (chunk: Buffer) => {
        if (forward(chunk)) upstream.write(chunk);
        else cut();
      });
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as { port: number }).port,
    cut,
    refuse: (refuse) => {
      refusing = refuse;
      if (refuse) cut();
    },
    close: () =>
      new Promise<void>((resolve) => {
        cut();
        server.close(() => resolve());
      }),
  };
}
