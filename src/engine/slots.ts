/** A counting semaphore: at most `limit` callers run at once, the rest wait in order. */
export class Slots {
  private active = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** Would a caller wait right now? */
  get full(): boolean {
    return this.active >= this.limit;
  }

  async run<T>(fn: () => Promise<T>, onQueued?: () => void): Promise<T> {
    if (this.active >= this.limit) {
      onQueued?.();
      await new Promise<void>((resolve) => this.queue.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await fn();
    } finally {
      const next = this.queue.shift();
      // The slot passes straight to the next waiter.
      if (next) next();
      else this.active--;
    }
  }
}
