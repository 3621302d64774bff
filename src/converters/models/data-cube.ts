/** An ASM datacube: values along one dimension (time, wavelength, cycle), one or more measures. */
export interface DataCube {
  label: string
  dimension: {concept: string; unit: string; values: (number | null)[]}
  measures: {concept: string; unit: string; values: (number | null)[]}[]
}

export function dataCubeDocument(cube: DataCube): Record<string, unknown> {
  return {
    label: cube.label,
    'cube-structure': {
      dimensions: [{'@componentDatatype': 'double', concept: cube.dimension.concept, unit: cube.dimension.unit}],
      measures: cube.measures.map((m) => ({'@componentDatatype': 'double', concept: m.concept, unit: m.unit})),
    },
    data: {dimensions: [cube.dimension.values], measures: cube.measures.map((m) => m.values)},
  }
}
