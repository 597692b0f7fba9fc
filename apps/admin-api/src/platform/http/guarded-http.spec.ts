import { privateRange } from './guarded-http';

describe('guarded HTTP address ranges', () => {
  it('refuses loopback, link-local, unspecified, private and unique local addresses', () => {
    expect(
      [
        '127.0.0.1',
        '127.255.0.9',
        '::1',
        '169.254.169.254',
        'fe80::1',
        '0.0.0.0',
        '::',
        '10.1.2.3',
        '172.16.0.1',
        '172.31.255.255',
        '192.168.1.1',
        '100.100.100.200',
        'fc00::1',
        'fd12:3456::1',
        '::ffff:127.0.0.1',
        '::ffff:169.254.169.254',
      ].map((address) => [address, privateRange(address)]),
    ).toEqual([
      ['127.0.0.1', 'loopback'],
      ['127.255.0.9', 'loopback'],
      ['::1', 'loopback'],
      ['169.254.169.254', 'linkLocal'],
      ['fe80::1', 'linkLocal'],
      ['0.0.0.0', 'unspecified'],
      ['::', 'unspecified'],
      ['10.1.2.3', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.255', 'private'],
      ['192.168.1.1', 'private'],
      ['100.100.100.200', 'carrierGradeNat'],
      ['fc00::1', 'uniqueLocal'],
      ['fd12:3456::1', 'uniqueLocal'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:169.254.169.254', 'linkLocal'],
    ]);
  });

  it('lets public addresses through', () => {
    for (const address of ['93.184.215.14', '172.32.0.1', '8.8.8.8', '2606:4700::1111']) {
      expect(privateRange(address)).toBeNull();
    }
  });
});
