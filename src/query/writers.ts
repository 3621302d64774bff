import {once} from 'node:events'
import type {Writable} from 'node:stream'

import type {QueryColumn, QueryValue} from '../backends/types.js'
import {uniqueNames} from '../output/unique-names.js'
import type {TextFormat} from './formats.js'

/** Writes result pages as text, a page per write, waiting whenever the stream is full. */
export interface RowWriter {
  write(rows: QueryValue[][]): Promise<void>
  /** Finishes the document (JSON's closing bracket); the stream itself stays open. */
  end(): Promise<void>
}

/**
 * A CSV field: nested values as JSON, null as nothing, and quotes (doubled inside) around text
 * holding the delimiter, a quote or a line break, and around the empty string, which would
 * otherwise read back as null. DuckDB's COPY writes the same.
 */
export function csvField(value: QueryValue, delimiter: string): string {
  if (value === null) return ''
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value)
  return text === '' || text.includes(delimiter) || /["\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

interface TextLayout {
  opening: string
  page(rows: QueryValue[][]): string
  closing(): string
}

function layout(format: TextFormat, columns: QueryColumn[]): TextLayout {
  const keys = uniqueNames(columns.map((c) => c.name))
  const object = (row: QueryValue[]): string => JSON.stringify(Object.fromEntries(keys.map((key, i) => [key, row[i]])))
  switch (format) {
    case 'csv':
    case 'tsv': {
      const delimiter = format === 'csv' ? ',' : '\t'
      const line = (values: QueryValue[]): string => values.map((v) => csvField(v, delimiter)).join(delimiter) + '\n'
      return {opening: line(keys), page: (rows) => rows.map(line).join(''), closing: () => ''}
    }
    case 'jsonl':
      return {opening: '', page: (rows) => rows.map((row) => object(row) + '\n').join(''), closing: () => ''}
    case 'json': {
      let empty = true
      return {
        opening: '[',
        page(rows) {
          const text = rows.map((row, i) => (empty && i === 0 ? '\n' : ',\n') + object(row)).join('')
          empty &&= rows.length === 0
          return text
        },
        closing: () => (empty ? ']\n' : '\n]\n'),
      }
    }
  }
}

/** Text written to a stream, waiting whenever it is full; errors (a closed pipe) surface from the next write, not as an unhandled 'error' event. */
export interface TextSink {
  put(text: string): Promise<void>
  /** Stops listening for the stream's errors; the stream itself stays open. */
  release(): void
}

export function textSink(out: Writable): TextSink {
  let failure: Error | undefined
  const onError = (error: Error): void => {
    failure = error
  }
  out.on('error', onError)
  return {
    async put(text) {
      if (failure) throw failure
      if (text !== '' && !out.write(text)) await once(out, 'drain')
    },
    release() {
      out.off('error', onError)
    },
  }
}

export function createRowWriter(format: TextFormat, columns: QueryColumn[], out: Writable): RowWriter {
  const sink = textSink(out)
  const {opening, page, closing} = layout(format, columns)
  let started = false
  const start = async (): Promise<void> => {
    if (!started) await sink.put(opening)
    started = true
  }
  return {
    async write(rows) {
      await start()
      if (rows.length > 0) await sink.put(page(rows))
    },
    async end() {
      try {
        await start()
        await sink.put(closing())
      } finally {
        sink.release()
      }
    },
  }
}
