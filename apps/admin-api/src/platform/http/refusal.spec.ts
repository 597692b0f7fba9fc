import { FILTER_CATCH_EXCEPTIONS } from '@nestjs/common/constants';
import { graphqlAnswer, httpAnswer } from '../../../../../test/support/fake-http';
import { Refusal, refusalFilter } from './refusal';

type Code = 'missing' | 'taken';

class TestRefusal extends Refusal<Code> {}

class FieldRefusal extends Refusal<Code> {
  constructor(
    code: Code,
    message: string,
    readonly field: string,
  ) {
    super(code, message);
  }
}

const GRAPHQL: Record<Code, string> = { missing: 'NOT_FOUND', taken: 'CONFLICT' };
const HTTP: Record<Code, number> = { missing: 404, taken: 409 };

describe('refusalFilter', () => {
  it('renders a refusal on GraphQL with the code of its table, the reason and the field', () => {
    const filter = new (refusalFilter(TestRefusal, { graphql: GRAPHQL }))();
    const plain = graphqlAnswer(filter, new TestRefusal('taken', 'that name is taken'));
    expect(plain.message).toBe('that name is taken');
    expect(plain.extensions).toEqual({ code: 'CONFLICT', reason: 'taken' });
    const withField = new (refusalFilter(FieldRefusal, { graphql: GRAPHQL }))();
    expect(
      graphqlAnswer(withField, new FieldRefusal('missing', 'no x', 'name')).extensions,
    ).toEqual({ code: 'NOT_FOUND', reason: 'missing', field: 'name' });
  });

  it('answers REST with problem+json of the status of its table, when the module serves REST', () => {
    const filter = new (refusalFilter(TestRefusal, { graphql: GRAPHQL, http: HTTP }))();
    expect(httpAnswer(filter, new TestRefusal('missing', 'no such thing'))).toEqual({
      status: 404,
      type: 'application/problem+json',
      body: {
        type: 'about:blank',
        title: 'not found',
        status: 404,
        detail: 'no such thing',
        code: 'missing',
      },
    });
    // The GraphQL half answers the same refusal in a GraphQL operation.
    expect(graphqlAnswer(filter, new TestRefusal('missing', 'no')).extensions?.code).toBe(
      'NOT_FOUND',
    );
  });

  it('catches its own refusals only', () => {
    const filter = refusalFilter(TestRefusal, { graphql: GRAPHQL });
    expect(Reflect.getMetadata(FILTER_CATCH_EXCEPTIONS, filter)).toEqual([TestRefusal]);
  });
});
