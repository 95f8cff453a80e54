/**
 * How frames are laid out on the bus. A stream `S` holds the subjects `S.>`; a frame goes to
 * `S.<venue>.<category>.<topic>`, its topic as Bybit names it (`orderbook.50.BTCUSDT` stays three
 * tokens), so that a consumer can take one topic or all. A frame without a topic (acknowledgements,
 * pongs) goes to `S.<venue>.<category>.control`; one whose topic cannot be a subject to `…other`.
 */

/** The header carrying the frame's local receive time, integer µs, as the recorder measured it. */
export const RECV_HEADER = 'Ladder-Recv-Us';

const TOPIC_KEY = '"topic":"';
const TOKEN = /^[A-Za-z0-9_-]+$/;

export function streamSubjects(stream: string): string[] {
  return [`${stream}.>`];
}

/** The subject of one frame text. */
export function frameSubject(stream: string, venue: string, category: string, text: string): string {
  return `${stream}.${venue}.${category}.${topicTokens(text)}`;
}

function topicTokens(text: string): string {
  const at = text.indexOf(TOPIC_KEY);
  if (at < 0) return 'control';
  const end = text.indexOf('"', at + TOPIC_KEY.length);
  if (end < 0) return 'other';
  const topic = text.slice(at + TOPIC_KEY.length, end);
  const tokens = topic.split('.');
  return tokens.every((t) => TOKEN.test(t)) ? topic : 'other';
}

/**
 * Where a consumer asks the recorder of stream `S` for a fresh book (a core NATS subject, outside the
 * stream): the recorder resubscribes Bybit's book topic, and the snapshot that brings reaches every
 * consumer through the stream.
 */
export function resyncSubject(stream: string): string {
  return `ladder-resync.${stream}`;
}
