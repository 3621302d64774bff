import type {TableLayout} from './layout.js'

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

/** An id in a listing: its first 8 characters in a table for people, whole down a pipe. */
export function listedId(id: string, layout: TableLayout): string {
  return layout.kind === 'tsv' ? id : shortId(id)
}

/** A size in a listing: "1.5 KiB" for people, bytes down a pipe. */
export function listedSize(bytes: number, layout: TableLayout): string | number {
  return layout.kind === 'tsv' ? bytes : formatBytes(bytes)
}

/** A time in a listing: "2026-11-30 14:05:09" for people, whole ISO 8601 down a pipe; empty when unset. */
export function listedTime(iso: string | null | undefined, layout: TableLayout): string {
  if (!iso) return ''
  return layout.kind === 'tsv' ? iso : iso.slice(0, 19).replace('T', ' ')
}
