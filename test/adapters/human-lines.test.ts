import { describe, expect, it } from 'vitest';
import { formatRecord, HumanLines } from '../../adapters/log/human-lines.ts';
import { grouped, unitsOf, withUnits } from '../../adapters/log/units.ts';
import { BTCUSDT_SPEC, createInstrument } from '../../domain/values/instrument.ts';

describe('log lines for a terminal', () => {
  it('give time, level, message and the fields that matter, escaping what a file held', () => {
    const line = formatRecord(JSON.stringify({ level: 40, time: Date.UTC(2026, 0, 1, 12, 0, 1, 234), app: 'ladder', runId: 'r', reason: 'not JSON', frame: 'a\u0000\u001b[2J\ufffd', msg: 'malformed frame skipped' }));
    expect(line).toBe('12:00:01.234 WARN  malformed frame skipped  reason="not JSON" frame="a\\\\u0000\\\\u001b[2J\\\\ufffd"');
  });

  it('write one line a record', () => {
    const out: string[] = [];
    new HumanLines({ write: (t: string) => out.push(t) }).write(`${JSON.stringify({ level: 30, time: 0, msg: 'paper run started', source: 'synthetic:seed=1' })}\n`);
    expect(out).toEqual(['00:00:00.000 INFO  paper run started  source="synthetic:seed=1"\n']);
  });
});

describe('prices and sizes for people', () => {
  const built = createInstrument(BTCUSDT_SPEC);
  if (!built.ok) throw new Error('BTCUSDT spec');
  const units = unitsOf(built.value)!;
  const order = { level: 30, time: 0, msg: 'order sent', orderId: 'L1-1', side: 'Sell', qty: 2, limitPrice: 899974, reduceOnly: false };

  it('keep the raw ticks and lots in JSON and add them in USDT and BTC', () => {
    expect(withUnits(order, units)).toEqual({ ...order, limitPriceUsdt: '89997.4', qtyBtc: '0.002' });
    expect(withUnits({ position: -10, lots: 1500, price: '90000.05' }, units)).toEqual({ position: -10, positionBtc: '-0.010', lots: 1500, lotsBtc: '1.500', price: '90000.05' });
    expect(withUnits({ limitPrice: null }, units)).toEqual({ limitPrice: null });
  });

  it('read them in USDT and BTC on a terminal, the raw fields left out', () => {
    const line = formatRecord(JSON.stringify(withUnits(order, units)), units);
    expect(line).toBe('00:00:00.000 INFO  order sent  orderId="L1-1" side="Sell" qty 0.002 BTC limit 89,997.4 USDT reduceOnly=false');
    // Without the converted value (a record from elsewhere), the raw field shows as it is.
    expect(formatRecord(JSON.stringify({ level: 30, time: 0, msg: 'm', qty: 2 }), units)).toBe('00:00:00.000 INFO  m  qty=2');
  });

  it('group thousands and know only symbols quoted in a stablecoin', () => {
    expect(grouped('1234567.891')).toBe('1,234,567.891');
    expect(grouped('999')).toBe('999');
    expect(unitsOf({ ...built.value, symbol: 'ETHBTC' })).toBeNull();
  });
});
