import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Mailer, MailMessage } from './mailer';
import type { TransportOptions } from './transport-mailer';

interface Waiting {
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * A Mailer whose messages are built and delivered on a worker thread (about a
 * millisecond of CPU each, mostly MIME building). The thread starts with the
 * first message and is started again if it dies; a message in flight when it
 * dies fails, for the caller to retry.
 */
export function threadedMailer(options: TransportOptions): Mailer {
  const waiting = new Map<number, Waiting>();
  let worker: Worker | undefined;
  let nextId = 0;

  const start = () => {
    // Under ts (tests, tools) the thread compiles its TypeScript the same way the parent does.
    const ext = extname(__filename);
    const thread = new Worker(join(__dirname, `mail-thread.worker${ext}`), {
      workerData: options,
      execArgv: ext === '.ts' ? ['--require', '@swc-node/register'] : [],
    });
    thread.unref();
    thread.on('message', ({ id, error }: { id: number; error?: string }) => {
      const w = waiting.get(id);
      waiting.delete(id);
      // Idle, the thread must not keep the process alive; busy, it must, or a message could be cut off.
      if (waiting.size === 0) thread.unref();
      if (error === undefined) w?.resolve();
      else w?.reject(new Error(error));
    });
    const fail = (error: Error) => {
      if (worker === thread) worker = undefined;
      for (const w of waiting.values()) w.reject(error);
      waiting.clear();
    };
    thread.on('error', fail);
    thread.on('exit', (code) => fail(new Error(`mail thread exited (${code})`)));
    return thread;
  };

  return {
    send(mail: MailMessage) {
      const thread = (worker ??= start());
      const id = nextId++;
      return new Promise<void>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        thread.ref();
        thread.postMessage({ id, mail });
      });
    },
    close() {
      // The thread finishes the messages it holds, then closes its transport and exits.
      worker?.ref();
      worker?.postMessage('close');
      worker = undefined;
    },
  };
}
