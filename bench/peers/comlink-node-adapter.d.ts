/**
 * Types for comlink's Node adapter: the file ships a `.d.ts` next to its `.mjs`, which
 * TypeScript (NodeNext) does not pick up for a `.mjs` import.
 */
declare module 'comlink/dist/esm/node-adapter.mjs' {
  import type { Endpoint } from 'comlink';

  /** What the adapter needs: a Worker or a MessagePort (Node's event-emitter style). */
  export interface NodeEndpoint {
    postMessage(message: unknown, transfer?: readonly unknown[]): void;
    on(type: 'message', listener: (data: unknown) => void): unknown;
    off(type: 'message', listener: (data: unknown) => void): unknown;
    start?: () => void;
  }

  /** Adapts a Worker or MessagePort to comlink's (DOM-style) Endpoint. */
  export default function nodeEndpoint(nep: NodeEndpoint): Endpoint;
}
