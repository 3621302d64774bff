/**
 * Array helpers for lists whose length the input decides (rows, wells, grids): spreading such a
 * list into one call (`Math.max(...rows)`, `push(...rows)`) overflows the stack past about a
 * hundred thousand items, so these loop instead.
 */

/** The largest of `values`, or `floor` when there are none (or all are smaller). */
export function maxOf(values: Iterable<number>, floor = -Infinity): number {
  let max = floor
  for (const value of values) if (value > max) max = value
  return max
}

/** Appends every item to `target`, in order. */
export function appendAll<T>(target: T[], items: Iterable<T>): void {
  for (const item of items) target.push(item)
}
