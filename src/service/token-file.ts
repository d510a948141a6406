/**
 * The generated admin token: when the operator configures none, `berth serve` makes one
 * at first start and keeps it in `<dataDir>/admin-token`, readable by its owner only.
 * The local CLI reads it from there, so a default install is never open to whoever
 * can reach the port.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError, codes } from '../index.js';

/** The file's name inside the data directory. */
export const TOKEN_FILE = 'admin-token';

/** The token and where it came from. */
export interface AdminTokenSource {
  token: string;
  /** The file it is kept in; undefined for a configured token. */
  file: string | undefined;
  /** Whether this start made it. */
  created: boolean;
}

/**
 * Returns the token kept in `dataDir`, making it first when there is none. A file that
 * group or others may read is made owner-only again (it is reported as `repaired`
 * through `onRepair`). Throws BERTH_ERR_CONFIG_INVALID for a file that is empty or
 * unreadable, naming it.
 */
export async function loadOrCreateToken(
  dataDir: string,
  onRepair: (file: string) => void = () => {},
): Promise<AdminTokenSource> {
  const file = join(dataDir, TOKEN_FILE);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const token = randomBytes(24).toString('base64url');
  try {
    // `wx`: two servers starting on one data directory cannot both write a token.
    await writeFile(file, `${token}\n`, { flag: 'wx', mode: 0o600 });
    return { token, file, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw unreadable(file, error);
  }
  return { token: await readTokenFile(file, onRepair), file, created: false };
}

/** Reads a token file; undefined when there is none. */
export async function readTokenIfAny(dataDir: string): Promise<string | undefined> {
  try {
    return await readTokenFile(join(dataDir, TOKEN_FILE), () => {});
  } catch (error) {
    if ((error as { cause?: NodeJS.ErrnoException }).cause?.code === 'ENOENT') return undefined;
    throw error;
  }
}

async function readTokenFile(file: string, onRepair: (file: string) => void): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
    if (((await stat(file)).mode & 0o077) !== 0) {
      await chmod(file, 0o600);
      onRepair(file);
    }
  } catch (error) {
    throw unreadable(file, error);
  }
  const token = text.trim();
  if (token === '' || /\s/.test(token)) {
    throw new BerthError(
      codes.CONFIG_INVALID,
      `the admin token file ${file} must hold one token and nothing else; delete it to have a new one made`,
      { data: { file } },
    );
  }
  return token;
}

function unreadable(file: string, error: unknown): BerthError {
  return new BerthError(
    codes.CONFIG_INVALID,
    `cannot read or write the admin token file ${file}: ${(error as Error).message}`,
    { cause: error, data: { file } },
  );
}
