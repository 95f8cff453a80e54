import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * The README and docs/ link to each other and to headings within: every relative link must reach a
 * file that exists and, with a #fragment, a heading of that file (GitHub's anchor of it).
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const pages = ['README.md', 'ARCHITECTURE.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** GitHub's anchor of a heading: lower case, punctuation but hyphens dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

function anchorsOf(text: string): Set<string> {
  const out = new Set<string>();
  let inCode = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) inCode = !inCode;
    const m = !inCode && /^#{1,6}\s+(.*)$/.exec(line);
    if (m) out.add(anchorOf(m[1]));
  }
  return out;
}

function linksOf(text: string): string[] {
  const withoutCode = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...withoutCode.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((l) => !/^[a-z]+:/i.test(l));
}

describe('the documents', () => {
  it('gives GitHub anchors the way GitHub does', () => {
    expect(anchorOf("The bench's figures")).toBe('the-benchs-figures');
    expect(anchorOf('Models and `ladder train`')).toBe('models-and-ladder-train');
    expect(anchorOf('Execution, risk and the simulated exchange')).toBe('execution-risk-and-the-simulated-exchange');
  });

  for (const page of pages) {
    it(`${page}: every relative link reaches a file and a heading`, () => {
      const text = readFileSync(join(root, page), 'utf8');
      const broken: string[] = [];
      for (const link of linksOf(text)) {
        const [path, fragment] = link.split('#', 2);
        const target = path === '' ? join(root, page) : join(dirname(join(root, page)), decodeURIComponent(path));
        if (!existsSync(target)) {
          broken.push(`${link}: no file ${relative(root, target)}`);
          continue;
        }
        if (fragment !== undefined && target.endsWith('.md') && !anchorsOf(readFileSync(target, 'utf8')).has(fragment)) {
          broken.push(`${link}: no heading #${fragment} in ${relative(root, target)}`);
        }
      }
      expect(broken).toEqual([]);
    });
  }
});
