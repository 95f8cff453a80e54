import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatManifest, readManifest, validationProblems, type Manifest } from '../../adapters/onnx/manifest.ts';
import { ConfigError } from '../../composition/config.ts';
import { refuseUnvalidatedModel } from '../../composition/model-validation.ts';
import { unwrap } from '../../domain/result.ts';

const shipped = unwrap(readManifest(readFileSync(new URL('../../models/synthetic-gbdt/manifest.json', import.meta.url), 'utf8')));
const tmp = mkdtempSync(join(tmpdir(), 'ladder-validation-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function dirWith(name: string, m: Manifest): string {
  const dir = join(tmp, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  writeFileSync(join(dir, 'manifest.json'), formatManifest(m));
  return dir;
}

describe("a model's validation at load and at app:live's start", () => {
  it('has no problem without holdout figures (an older model) or with a positive holdout edge', () => {
    expect(validationProblems(shipped)).toEqual([]);
    const good = { ...shipped, validation: { ...shipped.validation, holdoutRows: 100, holdoutSignals: 60, holdoutEdgeBps: 0.8 } };
    expect(validationProblems(good)).toEqual([]);
    expect(() => refuseUnvalidatedModel(dirWith('good', good))).not.toThrow();
  });

  it('names an abstaining model and one whose holdout edge is not positive; app:live refuses both', () => {
    const abstains = { ...shipped, abstain: 'no threshold meets the false-signal target' };
    expect(validationProblems(abstains)).toEqual([`model ${shipped.id} abstains and will never signal: no threshold meets the false-signal target`]);
    const losing = { ...shipped, validation: { ...shipped.validation, holdoutRows: 100, holdoutSignals: 60, holdoutEdgeBps: -1.25 } };
    expect(validationProblems(losing)).toEqual([`model ${shipped.id} has no positive edge on its holdout (-1.25 bps a signal net of cost)`]);
    // The manifest round-trips the new fields.
    expect(unwrap(readManifest(formatManifest(losing))).validation?.holdoutEdgeBps).toBe(-1.25);
    expect(unwrap(readManifest(formatManifest(abstains))).abstain).toBe(abstains.abstain);
    expect(() => refuseUnvalidatedModel(dirWith('abstains', abstains))).toThrow(ConfigError);
    expect(() => refuseUnvalidatedModel(dirWith('losing', losing))).toThrow(/no positive edge on its holdout .* app:live refuses it without --allow-unvalidated/);
  });
});
