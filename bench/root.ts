import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root (with a trailing slash), whether this runs from bench/ or compiled from dist/bench/. */
export const root = fileURLToPath(new URL(existsSync(new URL('../package.json', import.meta.url)) ? '..' : '../..', import.meta.url));

/**
 * The node arguments that run bench/NAME in a process of its own: its compiled module beside this one
 * when this runs compiled, else the TypeScript source through tsx.
 */
export function benchScript(name: string): string[] {
  return import.meta.url.endsWith('.js') ? [fileURLToPath(new URL(`./${name}.js`, import.meta.url))] : ['--import', 'tsx', `${root}bench/${name}.ts`];
}
