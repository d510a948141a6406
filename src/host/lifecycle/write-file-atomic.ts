/**
 * Replaces a file so that a reader, or a host that crashes half-way, only ever sees the
 * old content or the new one, never a mix:
 *
 *   write <file>.<pid>.<random>.tmp ─▶ fsync it ─▶ rename over <file> ─▶ fsync the folder
 *
 * rename(2) within one folder is atomic on POSIX file systems; the fsync before it makes
 * sure the new bytes are on disk before the name points at them (otherwise a power cut
 * after the rename can leave an empty file), and the fsync of the folder makes the
 * rename itself durable.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `data` to `file` atomically (see the module comment). Resolves once the new
 * content and its name are durable. On failure the old file is untouched and the
 * temporary file is removed; a crash may leave a temporary file behind, which readers of
 * `file` never see.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const temp = join(
    dirname(file),
    `${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  await syncFolder(dirname(file));
}

async function syncFolder(folder: string): Promise<void> {
  let handle;
  try {
    handle = await open(folder, 'r');
    await handle.sync();
  } catch {
    // Some platforms (Windows) and file systems cannot open or fsync a folder; the rename
    // is still atomic there, only its durability across a power cut is not promised.
  } finally {
    await handle?.close();
  }
}
