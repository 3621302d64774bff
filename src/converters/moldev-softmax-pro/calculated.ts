import {quantity} from '../asm.js'
import type {CalculatedValue, CustomInformation} from '../models/common.js'
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
  readonly values: CalculatedValue[] = []
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
    const sources: NonNullable<CalculatedValue['sources']> = []
    // Wells the group names that hold no reading in the export: kept by name, there is no measurement to point at.
    const unread: string[] = []
    for (const {plate, well} of item.sources) {
      const refs = plate === undefined ? undefined : this.index.get(plate)?.get(well)
      if (!refs || refs.length === 0) unread.push(plate === undefined ? well : `${plate} ${well}`)
      else for (const ref of refs) sources.push({identifier: ref.id, feature: ref.feature, location: well, plate})
    }
    const custom: CustomInformation = {}
    if (item.description) custom['calculation description'] = item.description
    if (item.group) custom['group identifier'] = item.group
    if (unread.length > 0) custom['source wells without readings'] = unread
    this.values.push({
      identifier: `${this.fileName}_calc_${++this.count}`,
      name: item.name,
      description: item.label,
      sample: item.sample === undefined ? undefined : {identifier: item.sample},
      value: value === undefined ? undefined : quantity(value, UNITLESS),
      // Text results ("Pass", "Range?", "Error") are kept as written, never turned into numbers.
      errors: value === undefined ? [{error: item.raw, feature: item.name}] : undefined,
      sources,
      custom,
    })
  }
}
