/**
 * How `berth plugins …` talks to a running `berth serve`: its admin HTTP API, with the
 * admin token when one is given. Every failure is a BerthError with a code: the
 * service's own `{ code, message }`, or a clear word that nothing answers at the URL.
 */
import { BerthError, codes } from '../index.js';

/** Where the service is and how to authenticate to it. */
export interface AdminTarget {
  /** The service's base URL, such as `http://127.0.0.1:7070`. */
  url: string;
  /** The admin token; mutating calls need it when the service has one. */
  token?: string | undefined;
}

/** The default `--url`: where `berth serve` listens unless told otherwise. */
export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:7070';

/** Flags → target: `--url`, and `--token` or else the BERTH_ADMIN_TOKEN variable. */
export function adminTarget(flags: { url: string; token?: string | undefined }): AdminTarget {
  return { url: flags.url, token: flags.token ?? process.env['BERTH_ADMIN_TOKEN'] };
}

/**
 * Sends one admin request and resolves with the JSON answer. Rejects with the service's
 * code and message when it answers with an error, and with BERTH_ERR_CONFIG_INVALID
 * saying that no service answers at the URL when the connection fails.
 */
export async function callAdmin(
  target: AdminTarget,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const headers: Record<string, string> = {};
  if (target.token !== undefined) headers['authorization'] = `Bearer ${target.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(new URL(path, target.url), {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    const why = String(cause?.code ?? cause?.message ?? (error as Error).message);
    throw new BerthError(
      codes.CONFIG_INVALID,
      `no berth serve answers at ${target.url} (${why}); start one (berth serve), or point --url at it`,
      { cause: error, data: { url: target.url } },
    );
  }
  const text = await response.text();
  let answer: { code?: unknown; message?: unknown } | undefined;
  try {
    answer = JSON.parse(text) as typeof answer;
  } catch {
    answer = undefined;
  }
  if (!response.ok || answer === undefined) {
    const code = Object.values(codes).find((c) => c === answer?.code) ?? codes.CONFIG_INVALID;
    const message = typeof answer?.message === 'string' ? answer.message : text.slice(0, 200);
    throw new BerthError(code, `${method} ${path}: HTTP ${response.status}: ${message}`, {
      data: { status: response.status },
    });
  }
  return answer;
}
