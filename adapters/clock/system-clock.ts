import type { Clock } from '../../application/ports/clock.ts';
import type { Micros } from '../../domain/values/units.ts';

/** Wall-clock microseconds from the high-resolution timer, never decreasing within the process. */
export class SystemClock implements Clock {
  private last = 0;

  nowMicros(): Micros {
    const now = Math.floor((performance.timeOrigin + performance.now()) * 1000);
    if (now > this.last) this.last = now;
    return this.last as Micros;
  }
}
