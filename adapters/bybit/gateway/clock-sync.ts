/**
 * The offset of Bybit's clock to ours, from `/v5/market/time`: Bybit refuses a signed request whose
 * timestamp is more than `recv_window` from its own time (retCode 10002) and a private stream whose
 * `expires` has passed, so both are stamped with our time corrected by this offset. The offset is the
 * server's time minus the middle of the round trip that read it.
 */
export class ClockSync {
  private offset = 0;
  private synced = false;

  constructor(
    /** Bybit's time, ms since the epoch (one request). */
    private readonly serverMs: () => Promise<number>,
    /** Our time, ms since the epoch. */
    private readonly localMs: () => number,
    /** Told of each new offset (the REST client stamps its requests with it). */
    private readonly apply: (offsetMs: number) => void,
  ) {}

  /** Server time minus ours, ms: positive when Bybit's clock is ahead. 0 before the first sync. */
  get offsetMs(): number {
    return this.offset;
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  /** Reads Bybit's time once and takes the new offset; resolves with it. */
  async sync(): Promise<number> {
    const before = this.localMs();
    const server = await this.serverMs();
    const after = this.localMs();
    if (!Number.isFinite(server)) throw new Error(`Bybit's server time is not a number: ${server}`);
    this.offset = Math.round(server - (before + after) / 2);
    this.synced = true;
    this.apply(this.offset);
    return this.offset;
  }

  /** Our time corrected to Bybit's, ms. */
  nowMs(): number {
    return this.localMs() + this.offset;
  }
}
