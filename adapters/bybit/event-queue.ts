import type { MarketEvent } from '../../domain/market/market-event.ts';

/** A FIFO that takes from a moving head, so that taking is O(1) without shifting the array. */
export class EventQueue {
  private items: (MarketEvent | undefined)[] = [];
  private head = 0;
  highWater = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(event: MarketEvent): void {
    this.items.push(event);
    if (this.length > this.highWater) this.highWater = this.length;
  }

  shift(): MarketEvent | undefined {
    if (this.head === this.items.length) return undefined;
    const event = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head >= 4096 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return event;
  }
}
