import type { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { configErrorOf } from '../config/config-error';

/**
 * Listens on `port` (0: any free port) on all interfaces and returns the
 * service's base URL with the port taken. A port that cannot be had (in use,
 * privileged) names the variable it came from, as a bad value does, and
 * closes the app.
 */
export async function listen(app: INestApplication, port: number, variable: string) {
  try {
    await app.listen(port, '0.0.0.0');
  } catch (error) {
    // Its consumers and hooks started with it: they stop with it, not with the process.
    await app.close().catch(() => undefined);
    throw configErrorOf(variable, error, `cannot listen on port ${port}`);
  }
  const { port: actual } = app.getHttpServer().address() as AddressInfo;
  return `http://127.0.0.1:${actual}`;
}
