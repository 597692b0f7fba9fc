import { graphqlAnswer } from '../../../../../test/support/fake-http';
import { AuthError, AuthErrorCode, AuthErrorFilter } from './auth.errors';

// The GraphQL codes the console and the e2e tests act on.
const EXPECTED: [AuthErrorCode, string][] = [
  [AuthErrorCode.Invalid, 'BAD_USER_INPUT'],
  [AuthErrorCode.AddressRefused, 'FORBIDDEN'],
  [AuthErrorCode.MetadataUnreachable, 'BAD_GATEWAY'],
  [AuthErrorCode.MetadataTimeout, 'GATEWAY_TIMEOUT'],
  [AuthErrorCode.MetadataTooLarge, 'BAD_GATEWAY'],
  [AuthErrorCode.NotMetadata, 'BAD_USER_INPUT'],
];

describe('auth errors on GraphQL', () => {
  const filter = new AuthErrorFilter();

  it('renders every code with its GraphQL code, its reason and the message', () => {
    expect(EXPECTED.map(([code]) => code).sort()).toEqual(Object.values(AuthErrorCode).sort());
    for (const [code, graphql] of EXPECTED) {
      const rendered = graphqlAnswer(filter, new AuthError(code, `refused: ${code}`));
      expect(rendered.message).toBe(`refused: ${code}`);
      expect(rendered.extensions).toEqual({ code: graphql, reason: code });
    }
  });

  it('names the field at fault when there is one', () => {
    const rendered = graphqlAnswer(
      filter,
      new AuthError(AuthErrorCode.NotMetadata, 'not metadata', 'url'),
    );
    expect(rendered.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      reason: 'not_metadata',
      field: 'url',
    });
  });
});
