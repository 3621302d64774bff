import {formatBytes, shortId} from '../output/format.js'
import {renderTable} from '../output/table.js'
import type {ConvertResult} from './convert-stored.js'

const LIST_AT_MOST = 50

export function renderConvertResult(result: ConvertResult): string {
  const parts: string[] = []
  if (result.files.length > 0 && result.files.length <= LIST_AT_MOST) {
    parts.push(
      renderTable(
        ['raw file', 'engineered', 'converter', 'technique', 'size', 'source'],
        result.files.map((f) => [
          shortId(f.rawFileId),
          shortId(f.engineeredFileId),
          `${f.converter} ${f.converterVersion}`,
          f.technique,
          formatBytes(f.size),
          f.sourcePath,
        ]),
      ),
    )
  }
  if (result.failed.length > 0) {
    parts.push(
      renderTable(
        ['not converted', 'code', 'reason'],
        result.failed.slice(0, LIST_AT_MOST).map((f) => [f.sourcePath, f.code, f.message]),
      ),
    )
  }
  parts.push(`Converted ${result.converted} file${result.converted === 1 ? '' : 's'}, ${result.failed.length} failed.`)
  if (result.converted > 0)
    parts.push('Next: `labmesh files list --category ENGINEERED`, or `labmesh files get <id> --out DIR` for a document.')
  return parts.join('\n')
}
