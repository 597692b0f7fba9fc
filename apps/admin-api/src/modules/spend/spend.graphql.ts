import { Field, GraphQLISODateTime, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import {
  GovernanceSubjectValue,
  SpendEnforcementValue,
  SpendPeriodValue,
} from '../governance/governance.graphql';

// USD amounts are decimal strings (exact), as everywhere in Steward.

@ObjectType({ description: "A spend limit in its current period (the organization's time zone)." })
export class SpendBudget {
  @Field(() => ID) limitId!: string;
  @Field(() => GovernanceSubjectValue) subjectType!: GovernanceSubjectValue;
  @Field(() => ID) subjectId!: string;
  @Field(() => SpendPeriodValue) period!: SpendPeriodValue;
  @Field({ description: 'e.g. 2026-11-24, 2026-W48, 2026-11' }) periodKey!: string;
  @Field(() => SpendEnforcementValue) enforcement!: SpendEnforcementValue;
  @Field() limitUsd!: string;
  @Field({ description: 'Settled spend this period.' }) spentUsd!: string;
  @Field({ description: 'Held by open leases.' }) reservedUsd!: string;
  @Field() remainingUsd!: string;
  @Field(() => GraphQLISODateTime) resetsAt!: Date;
  @Field(() => Int) resetsInSeconds!: number;
}

@ObjectType()
export class ModelPriceView {
  @Field() model!: string;
  @Field() inputUsdPerMillion!: string;
  @Field() outputUsdPerMillion!: string;
  @Field(() => GraphQLISODateTime) updatedAt!: Date;
}

@InputType()
export class ModelPriceInput {
  @Field() model!: string;
  @Field({ description: 'USD per million input tokens, e.g. "3"' }) inputUsdPerMillion!: string;
  @Field({ description: 'USD per million output tokens, e.g. "15"' }) outputUsdPerMillion!: string;
}

@ObjectType({ description: 'One model request in the usage ledger (a settled lease).' })
export class SpendLedgerEntry {
  @Field(() => ID) id!: string;
  @Field(() => ID) userId!: string;
  @Field(() => ID) endpointId!: string;
  @Field({ nullable: true }) model?: string;
  @Field(() => Int, { nullable: true }) inputTokens?: number;
  @Field(() => Int, { nullable: true }) outputTokens?: number;
  @Field() leasedUsd!: string;
  @Field() costUsd!: string;
  @Field(() => GraphQLISODateTime) settledAt!: Date;
}

@ObjectType()
export class SpendWebhookView {
  @Field() url!: string;
  @Field() enabled!: boolean;
  @Field(() => GraphQLISODateTime) updatedAt!: Date;
  @Field(() => String, {
    nullable: true,
    description: 'The HMAC-SHA256 signing secret: shown once, when made or rotated.',
  })
  secret?: string | null;
}

@InputType()
export class SpendWebhookInput {
  @Field() url!: string;
  @Field({ defaultValue: true }) enabled!: boolean;
  @Field({ defaultValue: false }) rotateSecret!: boolean;
}

// ---- spend limits --------------------------------------------------------------------------

@ObjectType({ description: 'A spend limit definition (enforced by the spend module).' })
export class SpendLimit {
  @Field(() => ID) id!: string;
  @Field(() => GovernanceSubjectValue) subjectType!: GovernanceSubjectValue;
  @Field(() => ID) subjectId!: string;
  @Field({ description: 'Exact decimal USD.' }) amountUsd!: string;
  @Field(() => SpendPeriodValue, { description: "In the organization's time zone." })
  period!: SpendPeriodValue;
  @Field(() => SpendEnforcementValue) enforcement!: SpendEnforcementValue;
  @Field(() => [Int], { description: 'Percentages of the amount.' }) alertThresholds!: number[];
}

@InputType()
export class SpendLimitInput {
  @Field(() => GovernanceSubjectValue) subjectType!: GovernanceSubjectValue;
  @Field(() => ID) subjectId!: string;
  @Field() amountUsd!: string;
  @Field(() => SpendPeriodValue) period!: SpendPeriodValue;
  @Field(() => SpendEnforcementValue) enforcement!: SpendEnforcementValue;
  @Field(() => [Int], { defaultValue: [] }) alertThresholds!: number[];
}
