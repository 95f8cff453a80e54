import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The package version and, inside a git checkout, the commit: stored with every run. */
export function codeVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  try {
    const sha = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'], cwd: new URL('..', import.meta.url) })
      .toString()
      .trim();
    return `${pkg.version}+${sha}`;
  } catch {
    return pkg.version;
  }
}
