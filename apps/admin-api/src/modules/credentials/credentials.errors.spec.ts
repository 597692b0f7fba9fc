import { graphqlAnswer } from '../../../../../test/support/fake-http';
import { CredentialError, CredentialErrorCode, CredentialErrorFilter } from './credentials.errors';

// The GraphQL codes the console and the e2e tests act on.
const EXPECTED: [CredentialErrorCode, string][] = [
  [CredentialErrorCode.NotFound, 'NOT_FOUND'],
  [CredentialErrorCode.AlreadyRevoked, 'CONFLICT'],
  [CredentialErrorCode.InvalidScope, 'BAD_USER_INPUT'],
  [CredentialErrorCode.Invalid, 'BAD_USER_INPUT'],
];

describe('credential errors on GraphQL', () => {
  it('renders every code with its GraphQL code, its reason and the message', () => {
    expect(EXPECTED.map(([code]) => code).sort()).toEqual(
      Object.values(CredentialErrorCode).sort(),
    );
    const filter = new CredentialErrorFilter();
    for (const [code, graphql] of EXPECTED) {
      const rendered = graphqlAnswer(filter, new CredentialError(code, `refused: ${code}`));
      expect(rendered.message).toBe(`refused: ${code}`);
      expect(rendered.extensions).toEqual({ code: graphql, reason: code });
    }
  });
});
