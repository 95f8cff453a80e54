import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Runs `body` in a fresh Node process beside a Bybit-protocol test server (`server`), then prints
 * `closed`. A timer left running would keep that process alive: `lingerMs` is how long it lived after
 * `closed`. `imports` are module paths from the repository root with the names to import, e.g.
 * `{ 'adapters/bybit/ws-client.ts': ['BybitWsClient'] }`; `eventually`, `SystemClock` and
 * `silentLogger` are always there.
 */
export function runAlone(imports: Readonly<Record<string, readonly string[]>>, body: string): Promise<{ code: number | null; out: string; lingerMs: number }> {
  const lines = Object.entries(imports).map(([path, names]) => `import { ${names.join(', ')} } from '${root}${path}';`);
  const script = `
    ${lines.join('\n    ')}
    import { SystemClock } from '${root}adapters/clock/system-clock.ts';
    import { silentLogger } from '${root}application/ports/logger.ts';
    import { BybitTestServer } from '${root}test/support/bybit-server.ts';
    import { eventually } from '${root}test/support/builders.ts';
    const server = await BybitTestServer.start();
    ${body}
    console.log('closed');`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root });
    let out = '';
    let closedAt = Infinity;
    const kill = setTimeout(() => child.kill(), 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('closed') && closedAt === Infinity) closedAt = performance.now();
    });
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(kill);
      resolve({ code, out, lingerMs: performance.now() - closedAt });
    });
  });
}
