import {readFile} from 'node:fs/promises'
import {isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap} from 'yaml'

import {LabmeshError} from '../errors.js'
import {type Grant, type GrantResource, normalizeGrant, parsePermissions, parseResource} from './grant.js'
import {parsePrincipal} from './principal.js'
import type {TagExpression} from './tags.js'

/**
 * The shares file `catalog apply` reads (docs/sharing.md has the schema):
 *
 *   version: 1                      # optional
 *   principals:                     # optional: principals this file manages wholly
 *     - principal: bob
 *       exclusive: true
 *   grants:
 *     - principal: bob
 *       table: lab.plate_reader_measurement   # or lab.*; or database: lab; or tags: {domain: assay}
 *       permissions: [SELECT]
 *       columns: [file_id, absorbance]        # or exclude_columns
 *       row_filter: "site = 'boston'"
 *       grantable: false
 *
 * Every problem is reported at once, each with its line and column.
 */
export interface SharesFile {
  grants: Grant[]
  /** Principals whose grants not in the file are removed. */
  exclusive: string[]
}

const GRANT_KEYS = ['principal', 'table', 'database', 'tags', 'permissions', 'columns', 'exclude_columns', 'row_filter', 'grantable']

export async function readSharesFile(file: string): Promise<SharesFile> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new LabmeshError(
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'NOT_FOUND' : 'UNREADABLE',
      `cannot read ${file}: ${(error as Error).message}`,
      {
        subject: file,
        cause: error,
      },
    )
  }
  return parseSharesFile(text, file)
}

export function parseSharesFile(text: string, file: string): SharesFile {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, {lineCounter, uniqueKeys: true})
  const problems: string[] = []
  const at = (node: Node | null | undefined): string => {
    const pos = lineCounter.linePos(node?.range?.[0] ?? 0)
    return `${file}:${pos.line}:${pos.col}`
  }
  const report = (node: Node | null | undefined, message: string): void => void problems.push(`${at(node)}: ${message}`)
  for (const error of doc.errors)
    problems.push(`${file}:${error.linePos?.[0].line ?? 1}:${error.linePos?.[0].col ?? 1}: ${error.message.split('\n')[0]}`)
  const result: SharesFile = {grants: [], exclusive: []}
  const root = doc.contents
  if (problems.length === 0) {
    if (!isMap(root)) report(root, 'the file must be a mapping with a "grants" list')
    else readRoot(root, result, report)
  }
  if (problems.length > 0) {
    throw new LabmeshError(
      'INVALID_INPUT',
      `${file} has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}:\n  ${problems.join('\n  ')}`,
      {
        subject: file,
        suggestions: ['see `labmesh catalog apply --help` for the schema'],
      },
    )
  }
  return result
}

type Report = (node: Node | null | undefined, message: string) => void

function readRoot(root: YAMLMap, result: SharesFile, report: Report): void {
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : ''
    if (!['version', 'principals', 'grants'].includes(key))
      report(pair.key as Node, `unknown key "${key}" (expected version, principals, grants)`)
  }
  const version = root.get('version', true)
  if (version !== undefined && !(isScalar(version) && version.value === 1)) report(version, 'version must be 1')
  const principals = root.get('principals', true)
  if (principals !== undefined) {
    if (!isSeq(principals)) report(principals, 'principals must be a list')
    else for (const item of principals.items) readPrincipal(item as Node, result, report)
  }
  const grants = root.get('grants', true)
  if (grants === undefined) report(root, 'the file has no "grants" list (write `grants: []` for none)')
  else if (!isSeq(grants)) report(grants, 'grants must be a list')
  else for (const [i, item] of grants.items.entries()) readGrant(item as Node, i, result, report)
}

function readPrincipal(item: Node, result: SharesFile, report: Report): void {
  if (!isMap(item)) return report(item, 'each principals entry is a mapping: {principal: NAME, exclusive: true}')
  for (const pair of item.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : ''
    if (key !== 'principal' && key !== 'exclusive') report(pair.key as Node, `unknown key "${key}" (expected principal, exclusive)`)
  }
  const principal = scalarString(item, 'principal', report, true)
  const exclusive = item.get('exclusive', true)
  if (exclusive !== undefined && !(isScalar(exclusive) && typeof exclusive.value === 'boolean'))
    report(exclusive, 'exclusive must be true or false')
  if (principal === undefined) return
  try {
    const id = parsePrincipal(principal).id
    if (isScalar(exclusive) && exclusive.value === true) result.exclusive.push(id)
  } catch (error) {
    report(item.get('principal', true) as Node, (error as Error).message)
  }
}

function readGrant(item: Node, index: number, result: SharesFile, reportAll: Report): void {
  const where = `grants[${index}]`
  let failed = false
  const report: Report = (node, message) => {
    failed = true
    reportAll(node, message)
  }
  if (!isMap(item)) return report(item, `${where} must be a mapping with principal, table and permissions`)
  for (const pair of item.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : ''
    if (!GRANT_KEYS.includes(key)) report(pair.key as Node, `${where}: unknown key "${key}" (expected ${GRANT_KEYS.join(', ')})`)
  }
  const principal = scalarString(item, 'principal', report, true, where)
  const resource = readResource(item, where, report)
  const permissionNodes = stringList(item, 'permissions', report, where, true)
  let permissions: Grant['permissions'] = []
  if (permissionNodes) {
    try {
      permissions = parsePermissions(permissionNodes)
    } catch (error) {
      report(item.get('permissions', true) as Node, `${where}.permissions: ${(error as Error).message}`)
    }
  }
  const columns = stringList(item, 'columns', report, where)
  const excludeColumns = stringList(item, 'exclude_columns', report, where)
  const rowFilter = scalarString(item, 'row_filter', report, false, where)
  const grantableNode = item.get('grantable', true)
  if (grantableNode !== undefined && !(isScalar(grantableNode) && typeof grantableNode.value === 'boolean'))
    report(grantableNode, `${where}.grantable must be true or false`)
  if (failed || principal === undefined || resource === undefined) return
  try {
    result.grants.push(
      normalizeGrant({
        principal,
        resource,
        permissions,
        grantable: isScalar(grantableNode) && grantableNode.value === true,
        columns,
        excludeColumns,
        rowFilter,
      }),
    )
  } catch (error) {
    report(item, `${where}: ${(error as Error).message}`)
  }
}

function readResource(item: YAMLMap, where: string, report: Report): GrantResource | undefined {
  const given = ['table', 'database', 'tags'].filter((key) => item.has(key))
  if (given.length !== 1) {
    report(item, `${where} needs exactly one of table (database.table or database.*), database, tags`)
    return undefined
  }
  const node = item.get(given[0], true) as Node
  try {
    if (given[0] === 'tags') return {kind: 'tags', expression: readTags(node, where)}
    const text = isScalar(node) && typeof node.value === 'string' ? node.value : undefined
    if (text === undefined) throw new Error(`${given[0]} must be a name`)
    const resource = parseResource(text)
    if (given[0] === 'table' && resource.kind !== 'table') throw new Error(`table must be database.table or database.*, not "${text}"`)
    if (given[0] === 'database' && resource.kind !== 'database') throw new Error(`database must be a database name, not "${text}"`)
    return resource
  } catch (error) {
    report(node, `${where}.${given[0]}: ${(error as Error).message}`)
    return undefined
  }
}

function readTags(node: Node, where: string): TagExpression {
  if (!isMap(node)) throw new Error(`${where}.tags must map each tag key to a value or a list of values`)
  return node.items.map((pair) => {
    const key = isScalar(pair.key) ? String(pair.key.value) : ''
    const value = pair.value as Node | null
    const values = isSeq(value)
      ? value.items.map((v) => (isScalar(v) ? String(v.value) : ''))
      : isScalar(value)
        ? [String(value.value)]
        : []
    return {key, values}
  })
}

function scalarString(map: YAMLMap, key: string, report: Report, required: boolean, where = ''): string | undefined {
  const node = map.get(key, true) as Node | undefined
  const name = where ? `${where}.${key}` : key
  if (node === undefined) {
    if (required) report(map, `${name} is missing`)
    return undefined
  }
  if (!isScalar(node) || (typeof node.value !== 'string' && typeof node.value !== 'number')) {
    report(node, `${name} must be a string`)
    return undefined
  }
  return String(node.value)
}

function stringList(map: YAMLMap, key: string, report: Report, where: string, required = false): string[] | undefined {
  const node = map.get(key, true) as Node | undefined
  if (node === undefined) {
    if (required) report(map, `${where}.${key} is missing`)
    return undefined
  }
  const items = isSeq(node) ? node.items : isScalar(node) ? [node] : undefined
  if (!items || items.some((i) => !isScalar(i) || typeof i.value !== 'string')) {
    report(node, `${where}.${key} must be a list of names`)
    return undefined
  }
  return items.map((i) => String((i as {value: string}).value))
}
