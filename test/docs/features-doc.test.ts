import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderFeatureTable, tableInDocument, TABLE_BEGIN, TABLE_END } from '../../application/feature-docs.ts';
import { FEATURES } from '../../domain/features/definitions.ts';
import { REQUIRED_FEATURES } from '../../application/feature-export.ts';

const path = fileURLToPath(new URL('../../docs/features.md', import.meta.url));
const doc = readFileSync(path, 'utf8');
const HOW = `docs/features.md is out of date: run \`npx ladder features --list\` and paste its output between ${TABLE_BEGIN} and ${TABLE_END}`;

describe('docs/features.md', () => {
  it('holds the feature table generated from the registry', () => {
    const table = tableInDocument(doc);
    expect(table, `${HOW} (markers missing)`).not.toBeNull();
    expect(table, HOW).toBe(renderFeatureTable(FEATURES));
  });

  it('documents the required export columns and the label columns', () => {
    for (const name of ['ts', ...REQUIRED_FEATURES, 'label_ret_{h}_bps', 'label_class_{h}', 'label_reached_{h}']) expect(doc).toContain(`\`${name}\``);
  });
});

describe('renderFeatureTable', () => {
  it('gives one row per feature with name, group, unit, window, warm-up, stationarity and definition', () => {
    const some = FEATURES.filter((f) => f.name === 'ofi_100ms' || f.name === 'hht_imf1_amp' || f.name === 'spread_ticks' || f.name === 'mid_price');
    const lines = renderFeatureTable(some).split('\n');
    expect(lines).toHaveLength(2 + some.length);
    expect(lines[0]).toBe('| name | group | unit | window | warm-up | stationary | definition |');
    expect(lines.slice(2).map((l) => l.split(' | ').slice(0, 6))).toEqual([
      ['| `spread_ticks`', 'book', 'ticks', '—', '—', 'yes'],
      ['| `mid_price`', 'book', 'quote', '—', '—', 'no (price level)'],
      ['| `ofi_100ms`', 'flow', 'BTC', '100 ms', '100 ms', 'yes'],
      ['| `hht_imf1_amp`', 'regime', 'ticks', '102.4 s', '102.4 s', 'yes'],
    ]);
  });

  it('escapes a pipe in a cell', () => {
    const [f] = FEATURES;
    const row = renderFeatureTable([{ ...f, definition: 'a | b' }]).split('\n')[2];
    expect(row.endsWith('| a \\| b |')).toBe(true);
  });
});
