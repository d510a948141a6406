/**
 * The gRPC peer, loaded lazily: @grpc/grpc-js and @grpc/proto-loader are devDependencies,
 * so `berth bench` from an installed package has no gRPC. Opening the peer loads its
 * client (./grpc-client.ts) then; without the libraries, the run skips gRPC and says why.
 */
import { TransportUnavailable, type Transport } from '../transport.js';
import type * as GrpcClient from './grpc-client.js';

const NAME = 'gRPC';

/** Whether `error` says a package (not one of the bench's own modules) is missing. */
function isMissingPackage(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes('@grpc/');
}

/** A gRPC transport whose client module loads when it opens. */
export function createGrpcTransport(): Transport {
  let inner: Transport | undefined;
  const lazy: Transport = {
    name: NAME,
    async open() {
      let loaded: typeof GrpcClient;
      try {
        loaded = await import('./grpc-client.js');
      } catch (error) {
        if (!isMissingPackage(error)) throw error;
        throw new TransportUnavailable(
          'not measured: @grpc/grpc-js and @grpc/proto-loader (devDependencies of Berth) are not installed',
        );
      }
      inner = loaded.createGrpcClientTransport();
      await inner.open();
      // From now on the harness calls the client itself, with no indirection per call.
      lazy.call = inner.call;
      const { childPids } = inner;
      if (childPids !== undefined) lazy.childPids = childPids;
    },
    call: () => Promise.reject(new Error(`${NAME}: not open`)),
    close: async () => inner?.close(),
  };
  return lazy;
}
