import type { NextConfig } from 'next';
import { PHASE_DEVELOPMENT_SERVER } from 'next/constants';

/**
 * Internal packages are consumed from TypeScript source. Browser code imports
 * only @flightdeck/domain, @flightdeck/telemetry/spans (pure) and types from
 * @flightdeck/api; server code (engine,
 * Prisma, ioredis) is never bundled: the tRPC route handler reaches it through
 * the custom server's runtime (src/server-runtime.ts).
 */
function contentSecurityPolicy(dev: boolean): string {
  return [
    "default-src 'self'",
    // Next inlines its bootstrap scripts; dev (HMR, React refresh) also needs eval.
    `script-src 'self' 'unsafe-inline'${dev ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self' ws: wss:",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "object-src 'none'",
  ].join('; ');
}

export default function config(phase: string): NextConfig {
  const dev = phase === PHASE_DEVELOPMENT_SERVER;
  const securityHeaders = [
    { key: 'Content-Security-Policy', value: contentSecurityPolicy(dev) },
    { key: 'X-Content-Type-Options', value: 'nosniff' },
    { key: 'X-Frame-Options', value: 'DENY' },
    { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
    {
      key: 'Permissions-Policy',
      value: 'camera=(), microphone=(), geolocation=(), browsing-topics=()',
    },
    { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
  ];
  return {
    reactStrictMode: true,
    poweredByHeader: false,
    // The dev-tools badge sits on top of the sidebar's footer.
    devIndicators: false,
    transpilePackages: ['@flightdeck/domain', '@flightdeck/api', '@flightdeck/telemetry'],
    headers: () => Promise.resolve([{ source: '/:path*', headers: securityHeaders }]),
  };
}
