/**
 * The host's plugin records by name, with a generation number that changes whenever
 * what a service name resolves to may have changed. Proxies cache their resolution and
 * look again only when the generation moved, so a call does no lookup of its own
 * (resolve-service.ts).
 *
 * What moves it: a record registered, replaced (a new active version) or deleted, and a
 * record's `enabled` flag changing (each record reports that through `touch`, see
 * make-record.ts). Nothing else a record holds takes part in resolving a name.
 */
import type { PluginRecord } from './plugin-record.js';

/** A `Map` of records by plugin name that counts its changes; see the module comment. */
export class PluginRecords extends Map<string, PluginRecord> {
  #generation = 0;

  /** Changes (only ever grows) after every change that may alter a name's resolution. */
  get generation(): number {
    return this.#generation;
  }

  /** Records a change made to a record in place (its `enabled` flag). */
  touch(): void {
    this.#generation += 1;
  }

  /** Registers or replaces a record; moves the generation. */
  override set(name: string, record: PluginRecord): this {
    super.set(name, record);
    this.touch();
    return this;
  }

  /** Forgets a record; moves the generation when there was one. */
  override delete(name: string): boolean {
    const deleted = super.delete(name);
    if (deleted) this.touch();
    return deleted;
  }

  /** Forgets every record; moves the generation. */
  override clear(): void {
    super.clear();
    this.touch();
  }
}
