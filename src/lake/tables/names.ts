/** Table and column names for engineered data: snake_case ASCII, as Athena, Glue and Spark want them. */
export function snakeCase(text: string): string {
  const snake = text
    .normalize('NFKD')
    .replace(/[µμ]/g, 'u')
    .replace(/%/g, ' percent ')
    .replace(/#/g, ' number ')
    .replace(/([a-z0-9])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
  if (snake === '') return 'field'
  return /^[0-9]/.test(snake) ? `_${snake}` : snake
}

const memberNames = new Map<string, string>()

/** "measurement aggregate document" -> "measurement", "sample document" -> "sample": the ASM nesting words add nothing to a column name. */
export function memberName(key: string): string {
  // Documents repeat the same few hundred keys millions of times: compute each name once.
  let name = memberNames.get(key)
  if (name === undefined) {
    const stripped = key.replace(/\s+(aggregate\s+)?document$/i, '')
    name = snakeCase(stripped === '' ? key : stripped)
    if (memberNames.size < 100_000) memberNames.set(key, name)
  }
  return name
}

/** The root table of a technique: "plate reader" -> "plate_reader", "qPCR" -> "qpcr". */
export function techniqueTable(technique: string): string {
  return snakeCase(technique)
}
