/**
 * How `berth plugins …` talks to a running `berth serve`: its admin HTTP API, with the
 * admin token (given, or found where the service keeps it). Every failure is a BerthError with a code: the
 * service's own `{ code, message }`, or a clear word that nothing answers at the URL.
 */
import type { Command } from 'commander';
import { BerthError, codes } from '../index.js';
import { isLoopback, loadServiceConfig, readTokenIfAny } from '../service/index.js';

/** Where the service is and how to authenticate to it. */
export interface AdminTarget {
  /** The service's base URL, such as `http://127.0.0.1:7070`. */
  url: string;
  /** The admin token, which mutating calls need. */
  token?: string | undefined;
}

/** The default `--url`: where `berth serve` listens unless told otherwise. */
export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:7070';

/** The flags every command that talks to a running `berth serve` takes. */
export interface AdminFlags {
  url: string;
  token?: string | undefined;
  dataDir?: string | undefined;
}

/** Adds `--url`, `--token` and `--data-dir` to a command. */
export function withAdminOptions(command: Command): Command {
  return command
    .option('--url <url>', 'the running berth serve', DEFAULT_ADMIN_URL)
    .option(
      '--token <token>',
      'the admin token (default: BERTH_ADMIN_TOKEN, else the one berth serve keeps in <data dir>/admin-token)',
    )
    .option('-d, --data-dir <dir>', "the service's data directory, where its admin token is kept");
}

/**
 * Flags → target. The token is `--token`, else BERTH_ADMIN_TOKEN, else the one a local
 * `berth serve` generated in its data directory (`--data-dir`, else as `berth serve`
 * finds it: berth.config.json, BERTH_DATA_DIR, ./data). Absent when none is found. The
 * local token goes only to a loopback `--url`: a service elsewhere is not the one that
 * generated it, and must not be handed it.
 */
export async function adminTarget(flags: AdminFlags): Promise<AdminTarget> {
  const token = flags.token ?? process.env['BERTH_ADMIN_TOKEN'];
  if (token !== undefined && token !== '') return { url: flags.url, token };
  if (!isLoopbackUrl(flags.url)) return { url: flags.url, token: undefined };
  const { dataDir } = await loadServiceConfig(
    flags.dataDir === undefined ? {} : { dataDir: flags.dataDir },
  );
  return { url: flags.url, token: await readTokenIfAny(dataDir) };
}

/**
 * Sends one admin request and resolves with the JSON answer. Rejects with the service's
 * code and message when it answers with an error, and with BERTH_ERR_SERVICE_UNREACHABLE
 * when the connection fails or what answers is not a berth serve (its answer is not JSON).
 */
export async function callAdmin(
  target: AdminTarget,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const headers: Record<string, string> = {};
  if (target.token !== undefined) headers['authorization'] = `Bearer ${target.token}`;
  // The service takes mutations as JSON only (a browser's form posts are not), body or not.
  const payload = body ?? (method === 'POST' || method === 'PUT' ? {} : undefined);
  if (payload !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(new URL(path, target.url), {
      method,
      headers,
      ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    const why = String(cause?.code ?? cause?.message ?? (error as Error).message);
    throw new BerthError(
      codes.SERVICE_UNREACHABLE,
      `no berth serve answers at ${target.url} (${why}); start one (berth serve), or point --url at it`,
      { cause: error, data: { url: target.url } },
    );
  }
  const text = await response.text();
  let answer: { code?: unknown; message?: unknown } | undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'object' && parsed !== null) answer = parsed;
  } catch {
    answer = undefined;
  }
  if (answer === undefined) {
    throw new BerthError(
      codes.SERVICE_UNREACHABLE,
      `what answers at ${target.url} is not a berth serve (HTTP ${response.status}, not a JSON object: ` +
        `${JSON.stringify(text.slice(0, 80))}); point --url at one`,
      { data: { url: target.url, status: response.status } },
    );
  }
  if (!response.ok) {
    const code = Object.values(codes).find((c) => c === answer.code) ?? codes.CONFIG_INVALID;
    const message = typeof answer.message === 'string' ? answer.message : text.slice(0, 200);
    throw new BerthError(code, `${method} ${path}: HTTP ${response.status}: ${message}`, {
      data: { status: response.status },
    });
  }
  return answer;
}

function isLoopbackUrl(url: string): boolean {
  try {
    return isLoopback(new URL(url).hostname);
  } catch {
    return false; // callAdmin says what is wrong with it
  }
}
