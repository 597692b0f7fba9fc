import { Module } from '@nestjs/common';
import { EndpointSubjectsRepository } from './endpoint-subjects.repository';
import { EndpointSubjectsService } from './endpoint-subjects.service';

// The endpoints as bundle subjects, apart from EndpointsModule: the bundles module signs for them
// through EndpointSubjectsService, while EndpointsModule (enrolment, pulls) depends on bundles.
@Module({
  providers: [EndpointSubjectsRepository, EndpointSubjectsService],
  exports: [EndpointSubjectsService],
})
export class EndpointSubjectsModule {}
