import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createPinoLogger } from '../../adapters/log/pino-logger.ts';
import { unitsOf } from '../../adapters/log/units.ts';
import { BTCUSDT_SPEC, createInstrument } from '../../domain/values/instrument.ts';
import { eventually } from '../support/builders.ts';

/** A logger writing JSON lines into an array. */
function capture(units: ReturnType<typeof unitsOf> = null): { lines: string[]; logger: ReturnType<typeof createPinoLogger> } {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _e, done) => { lines.push(...String(chunk).split('\n').filter((l) => l !== '')); done(); } });
  return { lines, logger: createPinoLogger({ level: 'info', destination: sink, units }) };
}

describe('the JSON log', () => {
  it('says nothing of a secret that is not set, and redacts one that is', async () => {
    const { lines, logger } = capture();
    logger.info({ token: null, dashboard: { token: null, port: 1 }, secret: '' }, 'nothing set');
    logger.info({ token: 'a-token-of-enough-length', dashboard: { token: 'another-token-here' } }, 'a token');
    await eventually(() => lines.length >= 2, 30_000);
    const [absent, present] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).not.toMatch(/token|secret|redacted/);
    expect(absent.dashboard).toEqual({ port: 1 });
    expect(present).toMatchObject({ token: '[redacted]', dashboard: { token: '[redacted]' } });
    expect(lines[1]).not.toContain('a-token-of-enough-length');
  });

  it('keeps prices in ticks and sizes in lots, with USDT and BTC beside them when the instrument is known', async () => {
    const built = createInstrument(BTCUSDT_SPEC);
    if (!built.ok) throw new Error('BTCUSDT spec');
    const { lines, logger } = capture(unitsOf(built.value));
    logger.info({ qty: 2, limitPrice: 899974 }, 'order sent');
    await eventually(() => lines.length >= 1, 30_000);
    expect(JSON.parse(lines[0])).toMatchObject({ qty: 2, limitPrice: 899974, qtyBtc: '0.002', limitPriceUsdt: '89997.4', msg: 'order sent' });
    const plain = capture();
    plain.logger.info({ qty: 2 }, 'no instrument');
    await eventually(() => plain.lines.length >= 1, 30_000);
    expect(plain.lines[0]).not.toContain('qtyBtc');
  });
});
