import { Module } from '@nestjs/common';
import { EventBatchesService } from './event-batches.service';
import { EventTotalsService } from './event-totals.service';
import { EventsRepository } from './events.repository';

// The stored agent events, apart from ingest: the audit chain (AuditModule, which ingest itself
// needs) verifies and retires ingest batches through EventBatchesService without a module cycle;
// analytics rolls the events up through EventTotalsService.
@Module({
  providers: [EventsRepository, EventBatchesService, EventTotalsService],
  exports: [EventsRepository, EventBatchesService, EventTotalsService],
})
export class EventStoreModule {}
