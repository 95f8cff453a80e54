/** A price level as Bybit writes it: price and size texts. */
export type Level = [price: string, size: string];

/** A parsed frame or request, read loosely. */
export type Json = Record<string, unknown>;

/** A side's levels sorted by price: ascending for 1 (asks best first), descending for -1 (bids best first). */
export function sortedLevels(side: Map<string, string>, direction: 1 | -1): [string, string][] {
  return [...side].sort((x, y) => direction * (Number(x[0]) - Number(y[0])));
}

/** Whether a frame text is an order-book snapshot. */
export function isBookSnapshot(text: string): boolean {
  const frame = JSON.parse(text) as Json;
  return typeof frame.topic === 'string' && frame.topic.startsWith('orderbook.') && frame.type === 'snapshot';
}

/** Drops a recorder's `<µs> ` prefix. */
export function stripRecvTime(line: string): string {
  const m = /^\d+ +/.exec(line);
  return m === null ? line : line.slice(m[0].length);
}
