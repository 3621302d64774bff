import {open} from 'node:fs/promises'

import type {ConverterRegistry} from '../converters/registry.js'
import {DETECT_HEAD_BYTES, MIN_CONFIDENCE} from '../converters/types.js'

export interface Sniffed {
  instrument?: string
  technique?: string
}

/** The first bytes of a file, as converters' `detect` sees them. */
export async function readHead(file: string, bytes = DETECT_HEAD_BYTES): Promise<Buffer> {
  const handle = await open(file, 'r')
  try {
    const buffer = Buffer.alloc(bytes)
    const {bytesRead} = await handle.read(buffer, 0, bytes, 0)
    return buffer.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}

/** Which instrument software wrote the file, when a converter recognises its content. */
export async function sniffInstrument(registry: ConverterRegistry, name: string, head: Buffer): Promise<Sniffed> {
  const [best] = await registry.detect(name, head)
  if (!best || best.confidence < MIN_CONFIDENCE) return {}
  return {instrument: best.converter.name, technique: best.converter.technique}
}
