import { CREDENTIAL_PREFIX } from './credential-types';
import { newSecret, secretHint } from './secrets';

describe('secret hints', () => {
  it('show the prefix and 4 characters, however many underscores the random part has', () => {
    const prefix = CREDENTIAL_PREFIX.scim;
    expect(secretHint(prefix, `${prefix}ab_c_d_efghijklmnop_qrstu`)).toBe('stw_scim_ab_c…');
    for (const [type, typePrefix] of Object.entries(CREDENTIAL_PREFIX)) {
      for (let i = 0; i < 200; i++) {
        const secret = newSecret(typePrefix);
        const hint = secretHint(typePrefix, secret);
        expect(hint).toHaveLength(typePrefix.length + 5);
        expect(secret.startsWith(hint.slice(0, -1))).toBe(true);
        expect(hint.startsWith(typePrefix)).toBe(type.length > 0);
      }
    }
  });
});
