import { defineConfig } from 'prisma/config';

// Prisma's CLI is used only for `prisma generate` here: migrations are applied and
// created by prisma/migrate.ts through the WASM schema engine (see docs/development.md).
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
