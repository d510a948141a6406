/**
 * The context of one call (the SDK's CallContext): what the host hands a plugin's method,
 * in every isolation mode, and what `berth/testing`'s `callContext` hands a test.
 */
import type { CallContext, ServiceConfig, ServiceContext } from '../sdk/context.js';
import type { CallSource } from './call-runner.js';

/**
 * What a call's context draws on: its AbortSignal alone (inline and pool isolation), or
 * the data plane's running call, which makes the signal on first use (an AbortController
 * per call costs more than the rest of a small call) and lends result bytes.
 */
export type SignalSource = AbortSignal | CallSource;

/**
 * The context of one call: the service's context plus the method and the call's signal.
 * A class rather than a spread literal: it is made for every call.
 */
export class MethodContext implements CallContext {
  readonly plugin: string;
  readonly version: string;
  readonly service: string;
  readonly log: ServiceContext['log'];
  readonly config: ServiceConfig;
  readonly dataDir: string;
  readonly method: string;
  readonly #source: SignalSource;

  constructor(base: ServiceContext, method: string, source: SignalSource) {
    this.plugin = base.plugin;
    this.version = base.version;
    this.service = base.service;
    this.log = base.log;
    this.config = base.config;
    this.dataDir = base.dataDir;
    this.method = method;
    this.#source = source;
  }

  get signal(): AbortSignal {
    const source = this.#source;
    return source instanceof AbortSignal ? source : source.signal;
  }

  resultBytes(byteLength: number): Uint8Array {
    if (!Number.isSafeInteger(byteLength) || byteLength < 0) {
      throw new RangeError(
        `ctx.resultBytes(${String(byteLength)}): the length must be a whole number of bytes, 0 or more`,
      );
    }
    const source = this.#source;
    return source instanceof AbortSignal
      ? new Uint8Array(byteLength)
      : source.resultBytes(byteLength);
  }
}
