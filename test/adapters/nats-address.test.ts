import { describe, expect, it } from 'vitest';
import { describeNatsAddress, parseNatsAddress, withDefaultRange } from '../../adapters/nats/nats-address.ts';
import { frameSubject, resyncSubject } from '../../adapters/nats/subjects.ts';
import { unwrap } from '../../domain/result.ts';

describe('nats:// addresses', () => {
  it('reads the server, the stream, where to start and end, and a durable name', () => {
    expect(unwrap(parseNatsAddress('nats://10.0.0.5:4222/MD?start=first&end=last&durable=paper1'))).toEqual({
      server: '10.0.0.5:4222', stream: 'MD', streamGiven: true, start: { kind: 'first' }, startGiven: true, end: { kind: 'last' }, endGiven: true, durable: 'paper1',
    });
    const bare = unwrap(parseNatsAddress('nats://bus'));
    expect(bare).toMatchObject({ server: 'bus:4222', stream: 'LADDER_MD', streamGiven: false, start: { kind: 'new' }, end: { kind: 'never' }, durable: null });
    expect(unwrap(parseNatsAddress('nats://h:1/S?start=42&end=99'))).toMatchObject({ start: { kind: 'sequence', sequence: 42 }, end: { kind: 'sequence', sequence: 99 } });
    expect(unwrap(parseNatsAddress('nats://h:1/S?start=2026-01-01T00:00:00Z')).start).toEqual({ kind: 'time', ms: Date.UTC(2026, 0, 1) });
  });

  it('keeps credentials for the client and out of descriptions', () => {
    const a = unwrap(parseNatsAddress('nats://me:secret@h:4222/S'));
    expect(a.server).toBe('me:secret@h:4222');
    expect(describeNatsAddress(a)).toBe('nats://h:4222/S');
  });

  it('refuses what it cannot use, naming the part', () => {
    expect(parseNatsAddress('http://h/S')).toEqual({ ok: false, error: expect.stringMatching(/^"http" is not a nats:\/\/ address/) as unknown });
    expect(parseNatsAddress('nats://h/a.b')).toEqual({ ok: false, error: expect.stringMatching(/^"a\.b" is not a stream name/) as unknown });
    expect(parseNatsAddress('nats://h/S?from=1')).toEqual({ ok: false, error: expect.stringMatching(/^unknown parameter "from"/) as unknown });
    expect(parseNatsAddress('nats://h/S?start=0')).toEqual({ ok: false, error: expect.stringMatching(/start=0: a stream sequence starts at 1/) as unknown });
    expect(parseNatsAddress('nats://h/S?start=yesterday')).toEqual({ ok: false, error: expect.stringMatching(/start=yesterday is not new, first/) as unknown });
    expect(parseNatsAddress('nats://h/S?end=soon')).toEqual({ ok: false, error: expect.stringMatching(/end=soon is not never, last/) as unknown });
    expect(parseNatsAddress('nats://h/S?durable=a.b')).toEqual({ ok: false, error: expect.stringMatching(/"a\.b" is not a consumer name/) as unknown });
  });

  it('gives a backtest the stored range unless the address says otherwise', () => {
    expect(unwrap(parseNatsAddress(withDefaultRange('nats://h:4222/S', 'first', 'last')))).toMatchObject({ start: { kind: 'first' }, end: { kind: 'last' } });
    expect(unwrap(parseNatsAddress(withDefaultRange('nats://h:4222/S?start=7', 'first', 'last')))).toMatchObject({ start: { kind: 'sequence', sequence: 7 }, end: { kind: 'last' } });
    expect(withDefaultRange('not a url', 'first', 'last')).toBe('not a url');
  });
});

describe('subjects', () => {
  it('puts each frame under its venue, category and topic', () => {
    expect(frameSubject('MD', 'bybit', 'linear', '{"topic":"orderbook.50.BTCUSDT","type":"delta"}')).toBe('MD.bybit.linear.orderbook.50.BTCUSDT');
    expect(frameSubject('MD', 'bybit', 'linear', '{"op":"pong","success":true}')).toBe('MD.bybit.linear.control');
    expect(frameSubject('MD', 'bybit', 'linear', '{"topic":"a b.*"}')).toBe('MD.bybit.linear.other');
    expect(frameSubject('MD', 'bybit', 'linear', '{"topic":"cut')).toBe('MD.bybit.linear.other');
    expect(resyncSubject('MD')).toBe('ladder-resync.MD');
  });
});
