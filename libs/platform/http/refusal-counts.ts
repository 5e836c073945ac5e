/** How long the refusals of one code after its first are counted before they are told. */
export const REFUSAL_WINDOW_MS = 60_000;

/**
 * The 503s a dependency's outage gives, told by code: the first at once, the others counted
 * and told in one line as each window ends, so an outage of any length is a line a minute,
 * not a line a request. A window that counted none closes the telling: the code's next
 * refusal is a first again, told at once.
 */
export class RefusalCounts {
  private readonly open = new Map<string, { count: number }>();

  constructor(
    private readonly warn: (line: string) => void,
    private readonly windowMs = REFUSAL_WINDOW_MS,
  ) {}

  /** `line`: what to tell of this refusal should it be its code's first. */
  refused(code: string, line: string): void {
    const window = this.open.get(code);
    if (window) {
      window.count++;
      return;
    }
    this.warn(line);
    this.openWindow(code);
  }

  private openWindow(code: string): void {
    const window = { count: 0 };
    this.open.set(code, window);
    // Unref'd: a window still counting never keeps a stopping process alive.
    setTimeout(() => {
      if (window.count === 0) {
        this.open.delete(code);
        return;
      }
      const requests = window.count === 1 ? 'request' : 'requests';
      const seconds = Math.round(this.windowMs / 1000);
      this.warn(`${code}: ${window.count} more ${requests} refused in the last ${seconds} s`);
      this.openWindow(code);
    }, this.windowMs).unref();
  }
}
