/** Column names made unique as DuckDB does for a subquery: a, a_1, a_2 ... (keys of JSON objects must differ). */
export function uniqueNames(names: string[]): string[] {
  const taken = new Set<string>()
  return names.map((name) => {
    let unique = name
    for (let n = 1; taken.has(unique); n++) unique = `${name}_${n}`
    taken.add(unique)
    return unique
  })
}
