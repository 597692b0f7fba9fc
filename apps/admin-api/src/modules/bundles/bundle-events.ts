// Published on the event bus after a publish batch commits; every API replica updates its cached
// ETags and wakes the long-polls of these subjects. One channel for all organizations: each replica
// holds one Redis subscription however many polls it holds.
export const BUNDLES_PUBLISHED_CHANNEL = 'bundles.published';

export interface BundlesPublished {
  organizationId: string;
  // The organization's newest trust set when the batch was signed.
  trustSetVersion: number;
  subjects: { endpointId: string; version: number; etag: string }[];
}

// The bus message carries at most this many subjects; larger batches are split.
export const SUBJECTS_PER_MESSAGE = 1000;
