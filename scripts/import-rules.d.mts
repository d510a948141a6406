/** Types of import-rules.mjs, for the architecture test. */
export interface ImportRule {
  /** A folder, repository-relative (`src/transport`). */
  room: string;
  /** Where its files may import from, beyond the room itself (folders end in `/`). */
  may?: string[];
  /** Rooms it may import types from, and nothing else. */
  types?: string[];
  /** Where its files must not import from (instead of `may`). */
  mayNot?: string[];
  /** Why: the message lint and the test give. */
  why: string;
}
export declare const SHARED: string[];
export declare const IMPORT_RULES: ImportRule[];
