import fs from 'node:fs';
import path from 'node:path';

// The repository root, from source (tests) and from dist/ alike: the nearest folder up whose
// package.json is Steward's.
function findRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, 'utf8')).name === 'steward')
      return dir;
    if (path.dirname(dir) === dir) throw new Error(`no Steward package.json above ${start}`);
  }
}

const root = findRoot(__dirname);

export function repoPath(...segments: string[]): string {
  return path.join(root, ...segments);
}
