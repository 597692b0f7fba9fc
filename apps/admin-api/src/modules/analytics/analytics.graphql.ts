import { Field, Int, ObjectType } from '@nestjs/graphql';

// The console's view of the rollups. USD amounts are decimal strings (exact), as everywhere.

@ObjectType({ description: 'Activity of the organization over a date range, or on one day.' })
export class OrganizationActivity {
  @Field(() => Int, { description: 'People whose agent did anything (any event).' })
  activeUsers!: number;
  @Field(() => Int) sessions!: number;
  @Field(() => Int) toolCalls!: number;
  @Field(() => Int) toolCallsAllowed!: number;
  @Field(() => Int, { description: 'Tool calls that asked the person first.' })
  toolCallsAsked!: number;
  @Field(() => Int) toolCallsDenied!: number;
  @Field(() => Int, { description: 'Plans a person approved.' }) plansApprovedManual!: number;
  @Field(() => Int, { description: 'Plans approved by an auto-approval rule.' })
  plansApprovedAuto!: number;
  @Field(() => Int) modelRequests!: number;
  @Field({ description: 'Model spend in USD.' }) costUsd!: string;
  @Field(() => Int) policyViolations!: number;
}

@ObjectType()
export class OrganizationActivityDay extends OrganizationActivity {
  @Field({ description: 'YYYY-MM-DD (UTC).' }) day!: string;
}

@ObjectType({
  description: "The organization's daily rollups over a date range, every day included.",
})
export class OrganizationMetrics {
  @Field({ description: 'First day, YYYY-MM-DD (UTC).' }) from!: string;
  @Field({ description: 'Last day, YYYY-MM-DD (UTC), inclusive.' }) to!: string;
  @Field(() => OrganizationActivity, {
    description: 'The whole range; a person active on several days counts once.',
  })
  totals!: OrganizationActivity;
  @Field(() => [OrganizationActivityDay], { description: 'One entry per day, oldest first.' })
  days!: OrganizationActivityDay[];
}
