import {expect} from 'chai'

import type {Converter} from '../../src/converters/types.js'

/**
 * Asserts that a converter refuses a file with INVALID_DATA naming it (and matching `fragment`).
 * Checked by name, not instanceof: tsx may load LabmeshError twice (ESM and CommonJS).
 */
export async function expectRefused(converter: Converter, name: string, bytes: Buffer, fragment?: RegExp): Promise<Error & {code: string}> {
  let caught: unknown
  try {
    await converter.convert({name, bytes})
  } catch (error) {
    caught = error
  }
  expect(caught, `${converter.name} converted ${name}`).to.be.instanceOf(Error)
  const error = caught as Error & {code: string}
  expect(error.name).to.equal('LabmeshError')
  expect(error.code).to.equal('INVALID_DATA')
  expect(error.message).to.include(name)
  if (fragment) expect(error.message).to.match(fragment)
  return error
}
