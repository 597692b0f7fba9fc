import { Catch, ExceptionFilter } from '@nestjs/common';
import { GraphQLError } from 'graphql';
import { OrganizationError } from './organizations.service';

// One row per code: a new code does not compile until the console's transport has it (the operator
// CLI prints the message).
const GRAPHQL_CODE: Record<OrganizationError['code'], string> = {
  invalid_name: 'BAD_USER_INPUT',
  not_found: 'NOT_FOUND',
};

@Catch(OrganizationError)
export class OrganizationErrorFilter implements ExceptionFilter {
  catch(error: OrganizationError): never {
    throw new GraphQLError(error.message, {
      extensions: { code: GRAPHQL_CODE[error.code], reason: error.code },
    });
  }
}
