import { Injectable } from '@nestjs/common';
import Decimal from 'decimal.js';
import { PrismaService } from '../../platform/database/prisma.service';
import { AuditService } from '../audit/audit.service';
import { modelCost, parseUsd } from './spend-amounts';
import { SpendError, SpendErrorCode } from './spend.errors';
import { SpendRepository } from './spend.repository';

// The organization's price table (USD per million input and output tokens per model), edited in
// the console, and the cost of a model request settled in tokens.
@Injectable()
export class ModelPricesService {
  constructor(
    private readonly repository: SpendRepository,
    private readonly audit: AuditService,
    private readonly prisma: PrismaService,
  ) {}

  // tokens × the organization's price per million tokens of the model, exactly; the model is the
  // request's, else the one the lease named.
  async cost(
    subject: { organizationId: string; endpointId: string },
    leaseId: string,
    request: { inputTokens: number; outputTokens: number; model?: string },
  ): Promise<Decimal> {
    let model = request.model;
    if (!model) {
      const lease = await this.repository.findLease(
        subject.organizationId,
        subject.endpointId,
        leaseId,
      );
      if (!lease) {
        throw new SpendError(SpendErrorCode.LeaseNotFound, `no lease ${leaseId} of this endpoint`);
      }
      model = lease.model ?? undefined;
    }
    const price = model ? await this.repository.price(subject.organizationId, model) : null;
    if (!price) {
      throw new SpendError(
        SpendErrorCode.ModelPriceUnknown,
        model
          ? `the price table has no model ${model}`
          : 'the lease names no model: send costUsd or model',
      );
    }
    return modelCost(price, request.inputTokens, request.outputTokens);
  }

  prices(organizationId: string) {
    return this.repository.prices(organizationId);
  }

  async setPrice(
    organizationId: string,
    price: { model: string; inputUsdPerMillion: string; outputUsdPerMillion: string },
    actor: { id: string },
  ) {
    const model = price.model.trim();
    if (!model || model.length > 200) {
      throw new SpendError(SpendErrorCode.Invalid, 'model: 1..200 characters');
    }
    // Below a million USD per million tokens: a settle's cost (at most 10^9 tokens of each kind)
    // then fits the lease's DECIMAL(18,6) cost.
    const input = parseUsd(price.inputUsdPerMillion, 'inputUsdPerMillion', 6);
    const output = parseUsd(price.outputUsdPerMillion, 'outputUsdPerMillion', 6);
    return this.prisma.$transaction(async (tx) => {
      const row = await this.repository.upsertPrice(tx, organizationId, {
        model,
        inputUsdPerMillion: input,
        outputUsdPerMillion: output,
      });
      await this.audit.record(
        organizationId,
        {
          actorType: 'admin',
          actorId: actor.id,
          action: 'spend.price.set',
          resourceType: 'model_price',
          resourceId: row.id,
          data: { model, inputUsdPerMillion: input, outputUsdPerMillion: output },
        },
        tx,
      );
      return row;
    });
  }

  async deletePrice(organizationId: string, model: string, actor: { id: string }) {
    return this.prisma.$transaction(async (tx) => {
      const deleted = await this.repository.deletePrice(tx, organizationId, model);
      if (deleted) {
        await this.audit.record(
          organizationId,
          {
            actorType: 'admin',
            actorId: actor.id,
            action: 'spend.price.deleted',
            resourceType: 'model_price',
            data: { model },
          },
          tx,
        );
      }
      return deleted;
    });
  }
}
