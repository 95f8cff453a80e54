import { describe, expect, it } from 'vitest';
import { formatRecord, HumanLines } from '../../adapters/log/human-lines.ts';

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
