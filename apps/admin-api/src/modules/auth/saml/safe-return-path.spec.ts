import { safeReturnPath } from './saml.controller';

describe('the path a browser returns to after SAML sign-in', () => {
  it.each(['/', '/directory', '/roles/1?tab=connectors#tools', '/a%2Fb'])('keeps %s', (path) => {
    expect(safeReturnPath(path)).toBe(path);
  });

  it.each([
    'https://evil.example/',
    '//evil.example',
    '/\\evil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    'javascript:alert(1)',
    'directory',
    '',
    `/${'a'.repeat(3000)}`,
    undefined,
    ['/directory'],
  ])('replaces %p with /', (value) => {
    expect(safeReturnPath(value)).toBe('/');
  });
});
