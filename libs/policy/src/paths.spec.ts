import fc from 'fast-check';
import type { OperatingSystem } from './model';
import { canonicalPath } from './paths';

// The normalisation rules of paths.ts written out plainly, step by step, for every input: the
// engine's canonicalPath (which skips most of these steps for paths already canonical) must agree.
function reference(raw: string, os: OperatingSystem): string | null {
  if (raw === '' || raw.includes('\0')) return null;
  let text = raw.normalize('NFC');
  if (os === 'windows') text = text.split('\\').join('/');
  let root: string;
  let rest: string;
  if (text === '~' || text.startsWith('~/')) {
    root = '~';
    rest = text.slice(1);
  } else if (os === 'windows' && /^[a-zA-Z]:\//.test(text)) {
    root = text.slice(0, 2);
    rest = text.slice(2);
  } else if (os === 'windows' && text.startsWith('//')) {
    const [server, share, ...more] = text.slice(2).split('/');
    if (!server || !share) return null;
    root = `//${server}/${share}`;
    rest = more.join('/');
  } else if (text.startsWith('/')) {
    root = '';
    rest = text;
  } else {
    return null;
  }
  const kept: string[] = [];
  for (const segment of rest.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (kept.length === 0) return null;
      kept.pop();
    } else {
      kept.push(segment);
    }
  }
  const joined = kept.length ? `${root}/${kept.join('/')}` : root || '/';
  return os === 'linux' ? joined : joined.toLowerCase();
}

const token = fc.constantFrom(
  '/',
  '/',
  '/',
  '\\',
  '.',
  '..',
  '...',
  '.x',
  'a',
  'Work',
  'C:',
  '~',
  'é',
  'e\u0301',
  ' ',
  '\0',
);
const rawPath = fc.array(token, { maxLength: 10 }).map((tokens) => tokens.join(''));
const system = fc.constantFrom<OperatingSystem>('linux', 'macos', 'windows');

describe('canonicalPath', () => {
  it('agrees with the plain normalisation rules on any input', () => {
    fc.assert(
      fc.property(rawPath, system, (raw, os) => {
        expect([raw, os, canonicalPath(raw, os)]).toEqual([raw, os, reference(raw, os)]);
      }),
      { numRuns: 20_000 },
    );
  });

  it('keeps canonical paths as they are, folding case where the system ignores it', () => {
    expect(canonicalPath('/srv/Work/a.txt', 'linux')).toBe('/srv/Work/a.txt');
    expect(canonicalPath('/Users/Alice/Work', 'macos')).toBe('/users/alice/work');
    expect(canonicalPath('/srv/..', 'linux')).toBe('/');
    expect(canonicalPath('/..', 'linux')).toBeNull();
    expect(canonicalPath('/srv/.../..x', 'linux')).toBe('/srv/.../..x');
    expect(canonicalPath('~/Work/', 'macos')).toBe('~/work');
    expect(canonicalPath('~x', 'linux')).toBeNull();
  });
});
