import type { CeilingEntrySource, OperatingSystem } from './model';

// Path handling shared by the compiler and the decision engine. Every path and pattern is brought
// to one canonical form per operating system before it is compared:
// - separators are `/` (Windows `\` too), repeated separators and `.` segments collapse, a
//   trailing separator goes;
// - `..` is resolved lexically; one that would climb above the root makes the path invalid
//   (never "clamped" to the root, which could turn a denied path into an allowed one);
// - Unicode NFC, and case-folded on macOS and Windows, whose default file systems ignore case;
// - a path inside the user's home is rewritten to start with `~`, so rules written with `~` match
//   whatever the home is on the endpoint.
// Matching is by whole segments: `/work` covers `/work/a` but not `/work-evil`.

export const HOME = '~';

export function caseInsensitive(os: OperatingSystem): boolean {
  return os !== 'linux';
}

// The systems whose syntax a pattern uses: `~…` all, `/…` macOS and Linux, drive or UNC Windows.
export function patternSystems(pattern: string): OperatingSystem[] {
  if (pattern === HOME || pattern.startsWith('~/') || pattern.startsWith('~\\')) {
    return ['macos', 'windows', 'linux'];
  }
  if (/^[a-zA-Z]:[\\/]/.test(pattern) || pattern.startsWith('\\\\')) return ['windows'];
  if (pattern.startsWith('/')) return ['macos', 'linux'];
  return [];
}

// Canonical form of an absolute path (or `~`-pattern) for `os`, or null when it is not absolute
// or escapes its root with `..`. The result starts with `~`, `/` or a drive (`c:`); segments are
// joined by `/`; a bare root is `/`, `c:` or `~`.
export function canonicalPath(raw: string, os: OperatingSystem): string | null {
  if (isPlainCanonical(raw, os)) return caseInsensitive(os) ? raw.toLowerCase() : raw;
  if (!raw || raw.includes('\0')) return null;
  let text = raw.normalize('NFC');
  if (os === 'windows') text = text.replace(/\\/g, '/');
  let root: string;
  let rest: string;
  if (text === HOME || text.startsWith('~/')) {
    root = HOME;
    rest = text.slice(1);
  } else if (os === 'windows' && /^[a-zA-Z]:\//.test(text)) {
    root = text.slice(0, 2);
    rest = text.slice(2);
  } else if (os === 'windows' && text.startsWith('//')) {
    // UNC: //server/share is the root.
    const parts = text.slice(2).split('/');
    if (parts.length < 2 || !parts[0] || !parts[1]) return null;
    root = `//${parts[0]}/${parts[1]}`;
    rest = parts.slice(2).join('/');
  } else if (text.startsWith('/')) {
    root = '';
    rest = text;
  } else {
    return null;
  }
  const segments: string[] = [];
  for (const segment of rest.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (!segments.length) return null;
      segments.pop();
      continue;
    }
    segments.push(segment);
  }
  let result = segments.length ? `${root}/${segments.join('/')}` : root || '/';
  if (caseInsensitive(os)) result = result.toLowerCase();
  return result;
}

const SLASH = 47;
const DOT = 46;
const BACKSLASH = 92;
const COLON = 58;
const TILDE = 126;

// True when, from `start` on, `raw` is segments joined by `/`, each non-empty, neither `.` nor
// `..`, in ASCII (which NFC leaves alone) and, on Windows, without `\` or `:`. One pass over the
// characters, no allocation.
function plainFrom(raw: string, start: number, os: OperatingSystem): boolean {
  let segment = start;
  for (let i = start; i <= raw.length; i += 1) {
    const code = i < raw.length ? raw.charCodeAt(i) : SLASH;
    if (code === SLASH) {
      const length = i - segment;
      if (length === 0) return false;
      if (
        raw.charCodeAt(segment) === DOT &&
        (length === 1 || (length === 2 && raw.charCodeAt(segment + 1) === DOT))
      ) {
        return false;
      }
      segment = i + 1;
    } else if (
      code === 0 ||
      code > 127 ||
      (os === 'windows' && (code === BACKSLASH || code === COLON))
    ) {
      return false;
    }
  }
  return true;
}

// True when `raw` is already in canonical form apart from case: rooted at `/` (not `//`) or `~`,
// then plain segments. Most paths a tool call brings look like this, and they are then neither
// normalised, split nor joined.
function isPlainCanonical(raw: string, os: OperatingSystem): boolean {
  if (raw.length === 1) return raw === '/' || raw === '~';
  const first = raw.charCodeAt(0);
  if (first === SLASH) return plainFrom(raw, 1, os);
  return first === TILDE && raw.charCodeAt(1) === SLASH && plainFrom(raw, 2, os);
}

// True when `relative`, joined to a folder, names a path strictly below it with nothing to
// normalise: plain segments only (so no `..` climbs out), apart from case.
export function isPlainRelative(relative: string, os: OperatingSystem): boolean {
  return relative.length > 0 && relative.charCodeAt(0) !== SLASH && plainFrom(relative, 0, os);
}

// Rewrites a canonical absolute path inside the canonical home to its `~` form.
export function relativeToHome(path: string, home: string | null): string {
  if (!home || home === '/') return path;
  if (path === home) return HOME;
  if (path.startsWith(home) && path.charCodeAt(home.length) === 47 /* / */) {
    return HOME + path.slice(home.length);
  }
  return path;
}

// True when `inner` is `outer` or lies below it (segment boundary).
export function isWithin(inner: string, outer: string): boolean {
  if (inner === outer) return true;
  if (outer === '/') return inner.startsWith('/') && !inner.startsWith('//');
  return inner.startsWith(outer) && inner.charCodeAt(outer.length) === 47;
}

// Forbidden by default in every organization (each can be switched off by id): the home folder
// itself, the folders people keep personal and downloaded files in, cloud-synced folders, whose
// contents leave the machine, and the credential stores of common tools (keys and tokens that
// would let an agent act as the person elsewhere).
export const DEFAULT_CEILING: readonly CeilingEntrySource[] = [
  { id: 'home', pattern: '~', scope: 'root', description: 'Home folder itself' },
  { id: 'desktop', pattern: '~/Desktop', scope: 'subtree', description: 'Desktop' },
  { id: 'downloads', pattern: '~/Downloads', scope: 'subtree', description: 'Downloads' },
  {
    id: 'icloud-drive',
    pattern: '~/Library/Mobile Documents',
    scope: 'subtree',
    os: ['macos'],
    description: 'iCloud Drive (macOS)',
  },
  {
    id: 'icloud-drive-windows',
    pattern: '~/iCloudDrive',
    scope: 'subtree',
    os: ['windows'],
    description: 'iCloud Drive (Windows)',
  },
  {
    id: 'cloud-storage',
    pattern: '~/Library/CloudStorage',
    scope: 'subtree',
    os: ['macos'],
    description: 'File-provider cloud folders: Dropbox, OneDrive, Google Drive (macOS)',
  },
  { id: 'dropbox', pattern: '~/Dropbox', scope: 'subtree', description: 'Dropbox' },
  { id: 'onedrive', pattern: '~/OneDrive', scope: 'subtree', description: 'OneDrive' },
  { id: 'google-drive', pattern: '~/Google Drive', scope: 'subtree', description: 'Google Drive' },
  {
    id: 'google-drive-my-drive',
    pattern: '~/My Drive',
    scope: 'subtree',
    description: 'Google Drive "My Drive" folder',
  },
  { id: 'ssh', pattern: '~/.ssh', scope: 'subtree', description: 'SSH keys and known hosts' },
  { id: 'aws', pattern: '~/.aws', scope: 'subtree', description: 'AWS credentials' },
  {
    id: 'gcloud',
    pattern: '~/.config/gcloud',
    scope: 'subtree',
    description: 'Google Cloud credentials',
  },
  { id: 'kube', pattern: '~/.kube', scope: 'subtree', description: 'Kubernetes credentials' },
  { id: 'gnupg', pattern: '~/.gnupg', scope: 'subtree', description: 'GnuPG keys' },
];
