/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  // Native and WASM packages stay outside the bundle; PGlite in particular must be
  // one instance per process, shared through globalThis by server/db.ts.
  serverExternalPackages: [
    '@electric-sql/pglite',
    'pglite-prisma-adapter',
    '@prisma/adapter-pg',
    '@prisma/client',
    '@node-rs/argon2',
    'pg',
    'selfsigned',
  ],
  typescript: { ignoreBuildErrors: false },
};

export default nextConfig;
