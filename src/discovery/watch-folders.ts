/**
 * `watchFolders`: a set of non-recursive `fs.watch` watches kept in line with a list of
 * folders that changes over time (a plugins directory and its plugin folders come and
 * go). It only says "something changed"; what changed is for a rescan to find out.
 *
 * fs.watch is a hint, not a record: events are coalesced, dropped on some filesystems
 * (network mounts, some containers), and a watch on a folder that was deleted and made
 * again watches the dead inode. So callers rescan on a timer too, and each `update`
 * replaces a watch whose folder is no longer the same inode.
 */
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';

/** A live set of watches. */
export interface FolderWatches {
  /**
   * Watches exactly `folders` from now on: new ones are watched, dropped ones closed,
   * replaced ones (another inode) watched afresh. A folder that cannot be watched
   * (missing, not a folder, no permission) is skipped until a later update. Never
   * rejects. After `close()` it does nothing.
   */
  update(folders: Iterable<string>): Promise<void>;
  /** The folders watched right now. */
  readonly watched: readonly string[];
  /** Closes every watch; safe to call more than once. */
  close(): void;
}

interface Watch {
  watcher: FSWatcher;
  ino: number;
}

/** Creates an empty set; `onChange` is called (synchronously, often in bursts) on any event. */
export function watchFolders(onChange: () => void): FolderWatches {
  const watches = new Map<string, Watch>();
  let closed = false;

  const drop = (folder: string): void => {
    watches.get(folder)?.watcher.close();
    watches.delete(folder);
  };

  const add = (folder: string, ino: number): void => {
    let watcher: FSWatcher;
    try {
      watcher = watch(folder, { persistent: true }, () => onChange());
    } catch {
      return; // gone between stat and watch, or not watchable: the next update retries
    }
    // Emitted when the folder goes away on some platforms; a rescan sorts out the rest.
    watcher.on('error', () => {
      if (watches.get(folder)?.watcher === watcher) drop(folder);
      onChange();
    });
    watches.set(folder, { watcher, ino });
  };

  return {
    async update(folders) {
      if (closed) return;
      const wanted = [...new Set(folders)];
      const inodes = await Promise.all(
        wanted.map((folder) =>
          stat(folder).then(
            (s) => (s.isDirectory() ? s.ino : undefined),
            () => undefined,
          ),
        ),
      );
      if (closed) return;
      const keep = new Set<string>();
      wanted.forEach((folder, index) => {
        const ino = inodes[index];
        if (ino === undefined) return;
        keep.add(folder);
        const current = watches.get(folder);
        if (current?.ino === ino) return;
        if (current !== undefined) drop(folder);
        add(folder, ino);
      });
      for (const folder of [...watches.keys()]) if (!keep.has(folder)) drop(folder);
    },
    get watched() {
      return [...watches.keys()];
    },
    close() {
      closed = true;
      for (const folder of [...watches.keys()]) drop(folder);
    },
  };
}
