/**
 * The admin token: when the service is given one, every mutating admin call must carry
 * it as `Authorization: Bearer <token>`.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { BerthError, codes } from '../index.js';

/**
 * Throws BERTH_ERR_UNAUTHORIZED unless the request carries `token`; does nothing when no
 * token is set. The comparison takes the same time whatever the token's content.
 */
export function authorize(request: FastifyRequest, token: string | undefined): void {
  if (token === undefined) return;
  const given = Buffer.from(/^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '');
  const wanted = Buffer.from(token);
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
    throw new BerthError(
      codes.UNAUTHORIZED,
      'this admin call needs "Authorization: Bearer <token>" with the configured admin token',
    );
  }
}
