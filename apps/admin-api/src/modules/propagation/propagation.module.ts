import { Module } from '@nestjs/common';
import { PropagationRepository } from './propagation.repository';
import { PropagationService } from './propagation.service';

// The outbox of changes that must reach endpoints. Directory and governance write to it in their
// transactions; bundles delivers from it. It depends on no feature module.
@Module({
  providers: [PropagationRepository, PropagationService],
  exports: [PropagationService],
})
export class PropagationModule {}
