/**
 * `fn` over every item, at most `limit` at a time, the results in the items' order. For work
 * that starts processes or touches many files: all at once would start thousands.
 *
 * @example
 * const sizes = await mapLimited(folders, 4, (folder) => measure(folder));
 */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}
