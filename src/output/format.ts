/** 1536 -> "1.5 KiB": sizes for humans. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`
}

export function formatLabels(labels: {name: string; value: string}[]): string {
  return labels.map((l) => `${l.name}=${l.value}`).join(', ')
}

export function formatMetadata(metadata: Record<string, string>, skip: string[] = []): string {
  return Object.entries(metadata)
    .filter(([key]) => !skip.includes(key))
    .map(([key, value]) => `${key}=${value}`)
    .join(', ')
}

/** Short form of a UUID for tables (full ids stay in --json). */
export function shortId(id: string): string {
  return id.slice(0, 8)
}
