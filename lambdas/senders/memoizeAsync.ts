/**
 * Calls `factory` once, on the first call, and hands every caller the same result. A failure
 * is not kept: the next call tries again (a fetch of a secret that timed out, say).
 */
export function memoizeAsync<T>(factory: () => T | Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= (async () => factory())().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
