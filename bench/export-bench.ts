import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportFeatures } from '../application/feature-export.ts';
import { silentLogger } from '../application/ports/logger.ts';
import { FEATURES } from '../domain/features/definitions.ts';
import { DEFAULT_HORIZONS_MICROS, roundTripDeadZoneBps } from '../domain/features/labels.ts';
import type { Instrument } from '../domain/values/instrument.ts';
import { scanningDecoder } from '../adapters/bybit/frame-decoder.ts';
import { SystemClock } from '../adapters/clock/system-clock.ts';
import { CsvFeatureSink } from '../adapters/export/csv-sink.ts';
import { FileReplayFeed } from '../adapters/replay/file-feed.ts';

export interface ExportBenchResult {
  readonly rows: number;
  readonly rowsPerSec: number;
}

/**
 * What `ladder features --input FILE --out f.csv --labels` does, without the progress bar: the file
 * read and decoded, the book, all features, the labels, and CSV written to a temporary file. The best
 * of three runs, so the figure is of optimised code.
 */
export async function benchExport(input: string, instrument: Instrument): Promise<ExportBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'ladder-export-bench-'));
  const clock = new SystemClock();
  let best = 0;
  let rows = 0;
  try {
    for (let run = 0; run < 3; run++) {
      const out = join(dir, `f${run}.csv`);
      const summary = await exportFeatures(
        { feed: new FileReplayFeed(input, clock, { decoder: scanningDecoder(instrument) }), sink: new CsvFeatureSink(out, { force: true }), clock, logger: silentLogger },
        {
          instrument,
          bookDepth: null,
          definitions: FEATURES,
          labels: { horizonsMicros: DEFAULT_HORIZONS_MICROS, deadZoneBps: roundTripDeadZoneBps(550) },
        },
      );
      rows = summary.rows;
      best = Math.max(best, summary.rows / (summary.elapsedMicros / 1e6));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { rows, rowsPerSec: best };
}
