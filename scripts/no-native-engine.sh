#!/bin/sh
echo "Steward does not use Prisma's native schema engine: use 'npm run migrate' or 'npm run migration:create'." >&2
exit 1
