import {readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import addFormats from 'ajv-formats'
import {Ajv, type ErrorObject} from 'ajv'

const SCHEMA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/datapackage-v2.schema.json')

let validate: ReturnType<Ajv['compile']> | undefined

/** The Data Package v2 schema's complaints about a descriptor (none when it is valid). */
export function dataPackageErrors(descriptor: unknown): ErrorObject[] {
  if (!validate) {
    const ajv = new Ajv({allErrors: true, strict: true, strictTypes: false, strictRequired: false})
    addFormats.default(ajv)
    validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')))
  }
  return validate(descriptor) ? [] : [...(validate.errors ?? [])]
}
