/**
 * The admin token: every mutating admin call must carry it as `Authorization: Bearer
 * <token>` (the scheme in any case, RFC 9110 section 11.1). There is always one: the
 * configured one, or the one `berth serve` generated in its data directory
 * (token-file.ts).
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { BerthError, codes } from '../index.js';

/** Whether the request carries `token`. Takes the same time whatever the token's content. */
export function isAuthorized(request: FastifyRequest, token: string): boolean {
  const match = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(request.headers.authorization ?? '');
  const given = Buffer.from(match?.[1] ?? '');
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** Throws BERTH_ERR_UNAUTHORIZED unless the request carries `token`. */
export function authorize(request: FastifyRequest, token: string): void {
  if (isAuthorized(request, token)) return;
  throw new BerthError(
    codes.UNAUTHORIZED,
    'this admin call needs "Authorization: Bearer <token>" with the admin token: the configured ' +
      'one (adminToken, BERTH_ADMIN_TOKEN), or the one berth serve wrote to <dataDir>/admin-token',
  );
}
