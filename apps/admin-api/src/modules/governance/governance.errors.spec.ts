import { graphqlAnswer } from '../../../../../test/support/fake-http';
import { GovernanceError, GovernanceErrorCode, GovernanceErrorFilter } from './governance.errors';

// The GraphQL codes the console and the e2e tests act on.
const EXPECTED: [GovernanceErrorCode, string][] = [
  [GovernanceErrorCode.NotFound, 'NOT_FOUND'],
  [GovernanceErrorCode.Invalid, 'BAD_USER_INPUT'],
  [GovernanceErrorCode.Conflict, 'CONFLICT'],
  [GovernanceErrorCode.ImportFailed, 'BAD_GATEWAY'],
  [GovernanceErrorCode.Disabled, 'FORBIDDEN'],
  [GovernanceErrorCode.AddressRefused, 'FORBIDDEN'],
];

describe('governance errors on GraphQL', () => {
  const filter = new GovernanceErrorFilter();

  it('renders every code with its GraphQL code, its reason and the message', () => {
    expect(EXPECTED.map(([code]) => code).sort()).toEqual(
      Object.values(GovernanceErrorCode).sort(),
    );
    for (const [code, graphql] of EXPECTED) {
      const rendered = graphqlAnswer(filter, new GovernanceError(code, `refused: ${code}`));
      expect(rendered.message).toBe(`refused: ${code}`);
      expect(rendered.extensions).toEqual({ code: graphql, reason: code });
    }
  });

  it('names the field at fault when there is one', () => {
    const rendered = graphqlAnswer(
      filter,
      new GovernanceError(GovernanceErrorCode.Invalid, 'lease per model call', 'maxLeaseUsd'),
    );
    expect(rendered.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      reason: 'invalid',
      field: 'maxLeaseUsd',
    });
  });
});
