import * as http from 'node:http';
import * as https from 'node:https';
import type { Duplex } from 'node:stream';

/**
 * An agent for `url`'s scheme whose every connection is destroyed `ms` after
 * it opens, whatever it is doing. jose bounds a key-set fetch only until the
 * answer's headers: a body that stalls after them (a proxy, a half-open
 * connection) left the fetch pending for ever, and jose shares that pending
 * fetch with every reload after it, so no key was ever fetched again.
 */
export function deadlineAgent(url: URL, ms: number): http.Agent {
  const agent = url.protocol === 'https:' ? new https.Agent() : new http.Agent();
  const open = agent.createConnection.bind(agent) as typeof agent.createConnection;
  agent.createConnection = (options, callback) => {
    const socket: Duplex | null | undefined = open(options, callback);
    if (!socket) return socket;
    const deadline = setTimeout(
      () => socket.destroy(new Error(`no complete answer within ${ms} ms`)),
      ms,
    );
    deadline.unref();
    socket.once('close', () => clearTimeout(deadline));
    return socket;
  };
  return agent;
}
