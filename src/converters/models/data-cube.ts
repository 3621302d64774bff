/** An ASM datacube: values along one dimension (time, wavelength, cycle), one or more measures. */
export interface DataCube {
  label: string
  dimension: {concept: string; unit: string; values: (number | null)[]}
  /** Further dimensions after the first, for a cube read over two or more axes. */
  moreDimensions?: {concept: string; unit: string; values: (number | null)[]}[]
  measures: {concept: string; unit: string; values: (number | null)[]}[]
}

export interface DataCubeComponent {
  '@componentDatatype': 'double'
  concept: string
  unit: string
}

/** A datacube as ASM writes it: the structure of its axes, then their values. */
export interface DataCubeDocument {
  label: string
  'cube-structure': {dimensions: DataCubeComponent[]; measures: DataCubeComponent[]}
  data: {dimensions: (number | null)[][]; measures: (number | null)[][]}
}

export function dataCubeDocument(cube: DataCube): DataCubeDocument {
  const dimensions = cube.moreDimensions ? [cube.dimension, ...cube.moreDimensions] : [cube.dimension]
  return {
    label: cube.label,
    'cube-structure': {
      dimensions: dimensions.map((d) => ({'@componentDatatype': 'double', concept: d.concept, unit: d.unit})),
      measures: cube.measures.map((m) => ({'@componentDatatype': 'double', concept: m.concept, unit: m.unit})),
    },
    data: {dimensions: dimensions.map((d) => d.values), measures: cube.measures.map((m) => m.values)},
  }
}
