import type { TrainingStage } from '../application/training.ts';
import type { TrainProgress } from '../domain/model/gbdt/boost.ts';

/** The slice of a stream the line writes to (`process.stderr`). */
export interface ProgressOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/**
 * Training progress on standard error: on a terminal one line redrawn in place, with a bar over
 * every model the run trains (each fold's members, then the final ones); otherwise a plain line at
 * each new model and every 5 s, so a log stays short.
 */
export class TrainingProgressLine {
  readonly #total: number;
  readonly #started = performance.now();
  #lastPlain = 0;
  #lastStage = '';
  #drawn = false;

  constructor(
    private readonly out: ProgressOutput,
    folds: number,
    members: number,
    private readonly quiet: boolean,
  ) {
    this.#total = (folds + 1) * members;
  }

  update(stage: TrainingStage, p: TrainProgress): void {
    if (this.quiet) return;
    const done = stage.kind === 'fold' ? (stage.fold - 1) * stage.members + stage.member - 1 : this.#total - stage.members + stage.member - 1;
    const fraction = Math.min(1, (done + p.round / p.rounds) / this.#total);
    const what = stage.kind === 'fold' ? `fold ${stage.fold}/${stage.folds} model ${stage.member}/${stage.members}` : `final model ${stage.member}/${stage.members}`;
    const loss = `loss ${p.trainLoss.toPrecision(4)}${p.validLoss === null ? '' : ` / ${p.validLoss.toPrecision(4)}`}`;
    const seconds = ((performance.now() - this.#started) / 1000).toFixed(0);
    const cells = Math.round(fraction * 20);
    const line = `[${'#'.repeat(cells)}${'-'.repeat(20 - cells)}] ${(fraction * 100).toFixed(1).padStart(5)}%  ${what}  round ${p.round}/${p.rounds}  ${loss}  ${seconds} s`;
    if (this.out.isTTY === true) {
      this.out.write(`\r${line}\x1b[K`);
      this.#drawn = true;
      return;
    }
    const now = performance.now();
    if (what === this.#lastStage && now - this.#lastPlain < 5000) return;
    this.#lastStage = what;
    this.#lastPlain = now;
    this.out.write(`${line}\n`);
  }

  done(): void {
    if (this.#drawn) this.out.write('\n');
    this.#drawn = false;
  }
}
