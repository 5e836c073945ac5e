import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** CPU time used, in µs: by this process (every thread), and by the RabbitMQ broker when it runs on this machine. */
export interface CpuTime {
  process: number;
  broker?: number;
}

const tickMicros = (() => {
  try {
    return 1e6 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
  } catch {
    return 10_000; // USER_HZ is 100 on Linux
  }
})();

/** The broker's Erlang VM, found once: undefined where /proc does not show it (another machine, not Linux). */
const brokerStat = (() => {
  try {
    const pid = readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .find((d) => {
        try {
          return readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'beam.smp';
        } catch {
          return false;
        }
      });
    return pid ? `/proc/${pid}/stat` : undefined;
  } catch {
    return undefined;
  }
})();

export const brokerMeasured = brokerStat !== undefined;

/** CPU time in µs another process has used so far (every thread), from /proc; undefined where /proc has none. */
export function processMicros(pid: number): number | undefined {
  return statMicros(`/proc/${pid}/stat`);
}

function statMicros(path: string): number | undefined {
  try {
    // utime and stime follow the parenthesised command name, as fields 14 and 15.
    const fields = readFileSync(path, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * tickMicros;
  } catch {
    return undefined;
  }
}

export function cpuNow(): CpuTime {
  const { user, system } = process.cpuUsage();
  return { process: user + system, broker: brokerStat ? statMicros(brokerStat) : undefined };
}

/** µs the broker has used since `start`; 0 where it is not measured. */
export function brokerSince(start: CpuTime): number {
  const now = cpuNow();
  return (now.broker ?? 0) - (start.broker ?? 0);
}

/** µs used since `start`, process and broker together. */
export function cpuSince(start: CpuTime): number {
  const now = cpuNow();
  return now.process - start.process + (now.broker ?? 0) - (start.broker ?? 0);
}
