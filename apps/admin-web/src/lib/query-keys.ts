// Every server-state key in one place, so invalidation after a mutation is a lookup, not a guess.
export const queryKeys = {
  viewer: ['viewer'] as const,
};
