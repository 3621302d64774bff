import path from 'node:path'
import {pathToFileURL} from 'node:url'

import {LabmeshError} from '../errors.js'
import {openInputFile} from '../files/contained.js'
import {stampLabmeshVersion} from './asm.js'
import {BUILTIN_CONVERTERS} from './builtin.js'
import {assertDocumentSize} from './document-size.js'
import {isXls, isXlsx} from './spreadsheet/index.js'
import {decodeText, endsMidLine, looksBinary} from './text.js'
import {summariseXlsx} from './spreadsheet/xlsx.js'
import {
  type Converter,
  type ConverterInput,
  type DetectContext,
  type EngineeredDocument,
  DETECT_HEAD_BYTES,
  MIN_CONFIDENCE,
} from './types.js'

export interface Detection {
  converter: Converter
  confidence: number
}

export interface Conversion {
  converter: Converter
  document: EngineeredDocument
}

export const GENERIC_CONVERTER = 'generic'

/** Picks the converter for a file: the most confident specific one, else the generic one. */
export class ConverterRegistry {
  private readonly byName = new Map<string, Converter>()

  constructor(converters: Converter[]) {
    for (const converter of converters) this.byName.set(converter.name, converter)
  }

  /** The built-in converters plus user modules (paths relative to `baseDir`). */
  static async load(modules: string[] = [], baseDir = process.cwd()): Promise<ConverterRegistry> {
    const loaded: Converter[] = []
    for (const modulePath of modules) loaded.push(...(await loadConverterModule(path.resolve(baseDir, modulePath))))
    // User converters come first so that, on equal confidence, the user's choice wins.
    return new ConverterRegistry([...loaded, ...BUILTIN_CONVERTERS])
  }

  list(): Converter[] {
    return [...this.byName.values()]
  }

  get(name: string): Converter {
    const converter = this.byName.get(name)
    if (converter) return converter
    const names = [...this.byName.keys()]
    const close = names.filter((n) => n.includes(name) || name.includes(n))
    throw new LabmeshError('NOT_FOUND', `no converter named "${name}"`, {
      suggestions: [close.length > 0 ? `did you mean ${close.join(', ')}?` : `known converters: ${names.join(', ')}`],
    })
  }

  /**
   * Every converter's confidence for this file, most confident first. `head` may be the whole
   * file: then workbooks are summarised once (sheet names, strings) for every converter to see.
   */
  async detect(name: string, head: Buffer): Promise<Detection[]> {
    const sniff = head.length > DETECT_HEAD_BYTES ? head.subarray(0, DETECT_HEAD_BYTES) : head
    const workbook = isXlsx(head) ? summariseXlsx(head) : undefined
    const context: DetectContext = workbook ? {workbook} : {}
    const detections: Detection[] = []
    for (const converter of this.byName.values()) {
      if (converter.name === GENERIC_CONVERTER) continue
      let confidence = 0
      try {
        confidence = await converter.detect(name, sniff, context)
      } catch {
        confidence = 0
      }
      if (confidence > 0) detections.push({converter, confidence})
    }
    return detections.sort((a, b) => b.confidence - a.confidence)
  }

  /** The converter for this file: forced by name, else the most confident, else generic. */
  async choose(name: string, head: Buffer, forced?: string): Promise<Converter> {
    if (forced) return this.get(forced)
    const [best] = await this.detect(name, head)
    if (best && best.confidence >= MIN_CONFIDENCE) return best.converter
    const generic = this.byName.get(GENERIC_CONVERTER)
    if (generic) return generic
    throw new LabmeshError('UNSUPPORTED', `no converter recognises ${name}`, {
      subject: name,
      suggestions: ['name one with --converter, or add your own with --converter-module PATH'],
    })
  }

  async convert(input: ConverterInput, forced?: string): Promise<Conversion> {
    if (input.bytes.length === 0) {
      throw new LabmeshError('EMPTY_FILE', `${input.name} is empty: there is nothing to convert`, {subject: input.name})
    }
    const converter = await this.choose(input.name, input.bytes, forced)
    if (converter.name === GENERIC_CONVERTER && looksBinary(input.bytes) && !isXlsx(input.bytes) && !isXls(input.bytes)) {
      throw new LabmeshError(
        'INVALID_DATA',
        `${input.name} holds binary data that no converter recognises; expected a text (CSV, TSV, TXT) or Excel (XLSX, XLS) instrument export`,
        {
          subject: input.name,
        },
      )
    }
    // A text export cut off inside a row is refused for every converter alike.
    if (!isXlsx(input.bytes) && !isXls(input.bytes) && !looksBinary(input.bytes) && endsMidLine(decodeText(input.bytes))) {
      throw new LabmeshError('INVALID_DATA', `${input.name} ends inside a row: the export looks truncated`, {
        subject: input.name,
        suggestions: ['export the file again, or copy it once the instrument software has finished writing it'],
      })
    }
    let document: EngineeredDocument
    try {
      document = await converter.convert(input)
    } catch (error) {
      if (error instanceof LabmeshError) throw error
      throw new LabmeshError('CONVERSION_FAILED', `${input.name}: the ${converter.name} converter failed: ${(error as Error).message}`, {
        subject: input.name,
        cause: error,
      })
    }
    assertDocumentSize(document, input.name)
    return {converter, document: stampLabmeshVersion(document)}
  }
}

async function loadConverterModule(file: string): Promise<Converter[]> {
  let loaded: Record<string, unknown>
  try {
    // A module is a regular file: importing a FIFO or a device would block.
    await (await openInputFile(file)).close()
    loaded = await import(pathToFileURL(file).href)
  } catch (error) {
    throw new LabmeshError('INVALID_INPUT', `cannot load converter module ${file}: ${(error as Error).message}`, {
      subject: file,
      cause: error,
    })
  }
  const exported = loaded.default ?? loaded.converter ?? loaded.converters
  const list = Array.isArray(exported) ? exported : [exported]
  for (const candidate of list) {
    const c = candidate as Partial<Converter> | undefined
    if (!c || typeof c.name !== 'string' || typeof c.detect !== 'function' || typeof c.convert !== 'function') {
      throw new LabmeshError(
        'INVALID_INPUT',
        `${file} does not export a converter (an object with name, version, technique, detect and convert)`,
        {subject: file},
      )
    }
  }
  return list as Converter[]
}
