const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Whether a string is a UUID in its usual form (any case). Ids are Postgres uuid columns: anything
// else names no row, and must not reach a query, where the cast to uuid would fail.
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
