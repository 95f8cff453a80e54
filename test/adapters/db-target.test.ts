import { describe, expect, it } from 'vitest';
import { describeDbTarget, parseDbTarget } from '../../adapters/postgres/db-target.ts';

describe('parseDbTarget', () => {
  it('reads pglite:memory as an in-memory PGlite', () => {
    expect(parseDbTarget('pglite:memory')).toEqual({ ok: true, value: { kind: 'pglite', dataDir: null } });
  });

  it.each(['./data/pg', 'data', '/var/lib/ladder/pg', '../elsewhere'])('reads pglite:%s as a data directory', (dir) => {
    expect(parseDbTarget(`pglite:${dir}`)).toEqual({ ok: true, value: { kind: 'pglite', dataDir: dir } });
  });

  it.each(['postgres://postgres@127.0.0.1:5432/test', 'postgresql://u:p@db.example:6543/ladder?sslmode=require'])(
    'reads %s as a Postgres URL, unchanged',
    (url) => {
      expect(parseDbTarget(url)).toEqual({ ok: true, value: { kind: 'postgres', url } });
    },
  );

  it('ignores surrounding white space, as an environment variable may carry', () => {
    expect(parseDbTarget(' pglite:memory\n')).toEqual({ ok: true, value: { kind: 'pglite', dataDir: null } });
  });

  it.each([
    ['', 'empty'],
    ['pglite:', 'needs "memory" or a directory'],
    ['pglite:memory://x', 'not a URL'],
    ['postgres://user@host:notaport/db', 'invalid postgres URL'],
    ['mysql://root@localhost/db', 'unrecognised database target "mysql:"'],
    ['./data/pg', 'without a scheme'],
  ])('rejects %j, saying what is accepted', (text, reason) => {
    const result = parseDbTarget(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toContain(reason);
    expect(result.error).toContain('pglite:memory, pglite:<directory> or postgres://');
  });

  it('never repeats a password in its error messages', () => {
    for (const text of ['postgress://u:hunter2@host/db', 'postgres://u:hunter2@host:99999/db']) {
      const result = parseDbTarget(text);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).not.toContain('hunter2');
    }
  });
});

describe('describeDbTarget', () => {
  it('replaces the password of a Postgres URL', () => {
    const text = describeDbTarget({ kind: 'postgres', url: 'postgres://u:hunter2@db:5432/ladder' });
    expect(text).toBe('postgres://u:***@db:5432/ladder');
  });

  it('names PGlite targets as they are written', () => {
    expect(describeDbTarget({ kind: 'pglite', dataDir: null })).toBe('pglite:memory');
    expect(describeDbTarget({ kind: 'pglite', dataDir: './pg' })).toBe('pglite:./pg');
  });
});
