import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** The package version and, inside a git checkout, the commit: stored with every run. */
export function codeVersion(): string {
  // One level up from composition/, two from the compiled dist/composition/.
  const file = [new URL('../package.json', import.meta.url), new URL('../../package.json', import.meta.url)].find((url) => existsSync(url));
  if (file === undefined) return 'unknown';
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version: string };
  try {
    const sha = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'], cwd: new URL('..', import.meta.url) })
      .toString()
      .trim();
    return `${pkg.version}+${sha}`;
  } catch {
    return pkg.version;
  }
}
