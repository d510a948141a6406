/**
 * The error a promise rejects with, for assertions on its code and fields; the test
 * fails if the promise fulfils instead.
 */
export async function rejection(
  promise: Promise<unknown>,
): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected a rejection, but the promise fulfilled');
}
