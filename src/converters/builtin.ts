import type {Converter} from './types.js'

/** The converters shipped with labmesh. Order breaks ties in detection confidence. */
export const BUILTIN_CONVERTERS: Converter[] = [
]
