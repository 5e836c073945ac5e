import type { ArgumentsHost } from '@nestjs/common';
import { ServiceUnavailableException } from '@nestjs/common';
import { unavailable } from '../errors/app-error';
import { ProblemDetailsFilter } from './problem-details.filter';

/** A reply that takes whatever is sent, and a host that hands it out. */
function host(): ArgumentsHost {
  const reply = { header: () => reply, status: () => reply, send: () => reply };
  return { switchToHttp: () => ({ getResponse: () => reply }) } as unknown as ArgumentsHost;
}

describe('ProblemDetailsFilter’s log', () => {
  let log: { warn: jest.Mock; error: jest.Mock };
  let filter: ProblemDetailsFilter;
  beforeEach(() => {
    jest.useFakeTimers();
    log = { warn: jest.fn(), error: jest.fn() };
    filter = new ProblemDetailsFilter(log);
  });
  afterEach(() => jest.useRealTimers());

  const refuse = (code: string, times = 1) => {
    for (let i = 0; i < times; i++) {
      filter.catch(
        unavailable(code, 'Down; retry shortly.', new Error('connect ECONNREFUSED')),
        host(),
      );
    }
  };

  describe('when a dependency refuses request after request', () => {
    it('tells the first refusal of a code at once, with its cause', () => {
      refuse('auth_unavailable', 5);
      expect(log.warn.mock.calls).toEqual([
        ['auth_unavailable: Down; retry shortly. (connect ECONNREFUSED)'],
      ]);
    });

    it('tells the rest of its window in one line with their count as the window ends', () => {
      refuse('auth_unavailable', 215);
      jest.advanceTimersByTime(60_000);
      expect(log.warn).toHaveBeenCalledTimes(2);
      expect(log.warn).toHaveBeenLastCalledWith(
        'auth_unavailable: 214 more requests refused in the last 60 s',
      );
    });

    it('tells a refusal that lasts a line a minute', () => {
      refuse('auth_unavailable');
      for (let minute = 0; minute < 3; minute++) {
        refuse('auth_unavailable', 10);
        jest.advanceTimersByTime(60_000);
      }
      expect(log.warn).toHaveBeenCalledTimes(4);
      expect(log.warn).toHaveBeenLastCalledWith(
        'auth_unavailable: 10 more requests refused in the last 60 s',
      );
    });

    it('counts each code on its own', () => {
      refuse('auth_unavailable', 3);
      refuse('event_store_unavailable', 2);
      jest.advanceTimersByTime(60_000);
      expect(log.warn.mock.calls.map(([line]) => line as string)).toEqual([
        'auth_unavailable: Down; retry shortly. (connect ECONNREFUSED)',
        'event_store_unavailable: Down; retry shortly. (connect ECONNREFUSED)',
        'auth_unavailable: 2 more requests refused in the last 60 s',
        'event_store_unavailable: 1 more request refused in the last 60 s',
      ]);
    });
  });

  describe('when a code is refused again after a quiet window', () => {
    it('tells it at once, as a first', () => {
      refuse('auth_unavailable', 2);
      jest.advanceTimersByTime(120_000);
      refuse('auth_unavailable');
      expect(log.warn.mock.calls.map(([line]) => line as string)).toEqual([
        'auth_unavailable: Down; retry shortly. (connect ECONNREFUSED)',
        'auth_unavailable: 1 more request refused in the last 60 s',
        'auth_unavailable: Down; retry shortly. (connect ECONNREFUSED)',
      ]);
    });
  });

  describe('when a handler crashes', () => {
    it('logs every crash with its stack', () => {
      for (let i = 0; i < 3; i++) filter.catch(new Error('bug'), host());
      expect(log.error).toHaveBeenCalledTimes(3);
      expect(log.error).toHaveBeenLastCalledWith(expect.stringContaining('Error: bug\n    at '));
    });
  });

  describe('when /ready answers not_ready', () => {
    it('leaves the telling to the readiness endpoint', () => {
      filter.catch(new ServiceUnavailableException({ details: {} }), host());
      expect(log.warn).not.toHaveBeenCalled();
    });
  });
});
