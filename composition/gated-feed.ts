import type { MarketDataFeed } from '../application/ports/market-data-feed.ts';
import type { MarketEvent } from '../domain/market/market-event.ts';

/**
 * A feed whose first event (or first batch of events) is handed over at once and the rest once
 * `open` resolves true: app:paper starts its book on the first frame while the store opens, and the
 * market goes on, with its signals and orders, once the run is registered (paper.ts). Resolving false,
 * or `close()`, ends the events after the first. Only the first frame's rows wait in the writer, so
 * the store's opening neither competes with a fast market for the thread nor leaves rows piling up.
 */
export class GatedFeed implements MarketDataFeed {
  #closed = false;
  /** `open` resolved true: no more waiting (and no promise an event). */
  #ready = false;
  #wake: (() => void) | null = null;

  constructor(
    private readonly inner: MarketDataFeed,
    private readonly open: Promise<boolean>,
  ) {
    void open.then((ok) => (this.#ready = ok));
  }

  get description(): string {
    return this.inner.description;
  }

  get closeAsked(): boolean | undefined {
    return this.#closed || this.inner.closeAsked;
  }

  get incomplete(): string | null | undefined {
    return this.inner.incomplete;
  }

  async *events(): AsyncIterable<MarketEvent> {
    let first = true;
    for await (const event of this.inner.events()) {
      if (!first && !this.#ready && !(await this.#opened())) return;
      first = false;
      yield event;
    }
  }

  eventBatches(): AsyncIterable<readonly MarketEvent[]> | null {
    const batches = this.inner.eventBatches?.() ?? null;
    if (batches === null) return null;
    const opened = (): boolean | Promise<boolean> => this.#ready || this.#opened();
    return (async function* gated() {
      let first = true;
      for await (const batch of batches) {
        if (!first && !(await opened())) return;
        first = false;
        yield batch;
      }
    })();
  }

  resync(reason: string): void {
    this.inner.resync(reason);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    await this.inner.close();
  }

  /** Whether the events may go on: the store is ready (true), or it failed or the feed was closed (false). */
  #opened(): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    return Promise.race([this.open, new Promise<boolean>((resolve) => (this.#wake = () => resolve(false)))]);
  }
}
