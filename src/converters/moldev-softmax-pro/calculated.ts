import {compact, quantity} from '../asm.js'
import {parseNumber} from '../numbers.js'
import {appendAll} from '../arrays.js'
import type {Group, Note, Summary} from './groups.js'
import type {MeasurementRef} from './measurements.js'
import type {Plate} from './plate-data.js'

const UNITLESS = '(unitless)'

/** Measurement references by plate name, then well. */
export type MeasurementIndex = Map<string, Map<string, MeasurementRef[]>>

interface WellRef {
  plate?: string
  well: string
}

/**
 * Calculated data documents: the plates' reduced values, every filled cell of the group tables
 * (one per row, or one per sample for columns SoftMax fills only on a sample's first row), and
 * the group and note summaries. Each names the wells it was calculated from.
 */
export class CalculatedData {
  readonly documents: Record<string, unknown>[] = []
  private count = 0

  constructor(
    private readonly fileName: string,
    private readonly index: MeasurementIndex,
    /** The plate a group row refers to when the group has no WellPlateName column. */
    private readonly defaultPlate?: string,
  ) {}

  addReduced(plate: Plate): void {
    for (const {well, value} of plate.reduced) {
      this.add({
        name: 'reduced value',
        raw: value,
        description: `SoftMax Pro plate reduction of ${plate.header.name}`,
        sources: [{plate: plate.header.name, well}],
      })
    }
  }

  addGroup(group: Group): void {
    const groupWells: WellRef[] = []
    for (const sample of group.samples) {
      const rowWells: (WellRef | undefined)[] = sample.rows.map((row) =>
        row.well ? {plate: row.plate ?? this.defaultPlate, well: row.well} : undefined,
      )
      const sampleWells = rowWells.filter((w): w is WellRef => w !== undefined)
      appendAll(groupWells, sampleWells)
      for (const column of group.columns) {
        const cellsOfColumn = sample.rows.map((row) => row.values.get(column) ?? '')
        const description = group.formulas.get(column)
        const perSample = sample.rows.length > 1 && cellsOfColumn[0] !== '' && cellsOfColumn.slice(1).every((c) => c === '')
        if (perSample) {
          this.add({name: column, raw: cellsOfColumn[0], description, group: group.name, sample: sample.sample, sources: sampleWells})
          continue
        }
        cellsOfColumn.forEach((raw, k) => {
          const well = rowWells[k]
          if (raw !== '') this.add({name: column, raw, description, group: group.name, sample: sample.sample, sources: well ? [well] : []})
        })
      }
    }
    for (const summary of group.summaries) this.addSummary(summary, group.name, groupWells)
  }

  addNote(note: Note): void {
    for (const summary of note.summaries) this.addSummary(summary, undefined, [])
  }

  private addSummary(summary: Summary, group: string | undefined, sources: WellRef[]): void {
    this.add({name: summary.name, raw: summary.value, description: summary.formula, label: summary.description, group, sources})
  }

  private add(item: {
    name: string
    raw: string
    description?: string
    label?: string
    group?: string
    sample?: string
    sources: WellRef[]
  }): void {
    const value = parseNumber(item.raw)
    const sources = item.sources.flatMap(({plate, well}) => {
      const refs = plate === undefined ? undefined : this.index.get(plate)?.get(well)
      if (!refs || refs.length === 0) return [compact({'location identifier': well, 'well plate identifier': plate})]
      return refs.map((ref) => ({
        'data source identifier': ref.id,
        'data source feature': ref.feature,
        'location identifier': well,
        'well plate identifier': plate,
      }))
    })
    this.documents.push(
      compact({
        'calculated data identifier': `${this.fileName}_calc_${++this.count}`,
        'calculated data name': item.name,
        'calculated data description': item.label,
        'calculation description': item.description,
        'group identifier': item.group,
        'sample identifier': item.sample,
        // Text results ("Pass", "Range?", "Error") are kept as text, never turned into numbers.
        'calculated result': value === undefined ? undefined : quantity(value, UNITLESS),
        'calculated text result': value === undefined ? item.raw : undefined,
        'data source aggregate document': sources.length > 0 ? {'data source document': sources} : undefined,
      }),
    )
  }
}
