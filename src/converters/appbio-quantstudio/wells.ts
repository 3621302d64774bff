import {normaliseWell, rowName} from '../wells.js'
import {type Cell, cellNumber, cellText, Columns, type Table} from './model.js'

/**
 * Which (well, target) pairs the export holds and which rows describe each: the [Sample Setup]
 * row, the [Results] row and the amplification target name. Genotyping exports describe a well
 * once for two alleles; each allele becomes its own target "<SNP assay>-<allele name>".
 */

export type Allele = 1 | 2

export interface SourceRow {
  columns: Columns
  row: Cell[]
  /** For genotyping: which allele's columns ("Allele1 ...") this target reads. */
  allele?: Allele
}

export interface TargetEntry {
  target?: string
  setup?: SourceRow
  result?: SourceRow
}

export interface WellEntry {
  id: number
  position?: string
  targets: Map<string, TargetEntry>
}

export class WellRegistry {
  readonly wells = new Map<number, WellEntry>()
  private readonly alleleNames = new Map<number, [string, string]>()
  /** Series tables repeat each well on every cycle row: look each spelling up once. */
  private readonly byCells = new Map<string, WellEntry | undefined>()

  constructor(private readonly plateWellCount?: number) {}

  /** The well a row names, by "Well" number or else by "Well Position"; undefined when it names none. */
  wellOf(columns: Columns, row: Cell[]): WellEntry | undefined {
    const cells = `${cellText(columns.get(row, 'Well'))}\u0000${columns.text(row, 'Well Position')}`
    if (this.byCells.has(cells)) return this.byCells.get(cells)
    const well = this.findWell(columns, row)
    this.byCells.set(cells, well)
    return well
  }

  private findWell(columns: Columns, row: Cell[]): WellEntry | undefined {
    const position = normaliseWell(columns.text(row, 'Well Position'))
    let id = cellNumber(columns.get(row, 'Well'))
    if (id === undefined && position) id = this.indexOf(position)
    if (id === undefined || !Number.isInteger(id)) return undefined
    let well = this.wells.get(id)
    if (!well) this.wells.set(id, (well = {id, targets: new Map()}))
    well.position ??= position
    return well
  }

  entry(well: WellEntry, target: string | undefined): TargetEntry {
    const key = target ?? ''
    let entry = well.targets.get(key)
    if (!entry) well.targets.set(key, (entry = {target}))
    return entry
  }

  addSetup(table: Table): void {
    const columns = new Columns(table.columns)
    const genotyping = columns.has('SNP Assay Name')
    for (const row of table.rows) {
      const well = this.wellOf(columns, row)
      if (!well) continue
      if (genotyping) {
        const names: [string, string] = [columns.text(row, 'Allele1 Name') || 'Allele 1', columns.text(row, 'Allele2 Name') || 'Allele 2']
        this.alleleNames.set(well.id, names)
        for (const allele of [1, 2] as const) {
          this.entry(well, this.alleleTarget(well.id, columns.text(row, 'SNP Assay Name'), allele)).setup = {columns, row, allele}
        }
      } else {
        // Setup rows of empty wells name no target: the well is known but holds no reaction.
        const target = columns.text(row, 'Target Name')
        if (target) this.entry(well, target).setup = {columns, row}
      }
    }
  }

  addResults(table: Table): void {
    const columns = new Columns(table.columns)
    const genotyping = columns.has('SNP Assay Name')
    for (const row of table.rows) {
      const well = this.wellOf(columns, row)
      if (!well) continue
      if (genotyping) {
        for (const allele of [1, 2] as const) {
          this.entry(well, this.alleleTarget(well.id, columns.text(row, 'SNP Assay Name'), allele)).result = {columns, row, allele}
        }
      } else {
        this.entry(well, columns.text(row, 'Target Name') || undefined).result = {columns, row}
      }
    }
  }

  /** Registers the wells of a per-well series table so wells with only series data are kept. */
  addSeries(table: Table, byTarget: boolean): void {
    const columns = new Columns(table.columns)
    for (const row of table.rows) {
      const well = this.wellOf(columns, row)
      if (!well) continue
      const target = byTarget ? columns.text(row, 'Target Name') || undefined : undefined
      if (target !== undefined || well.targets.size === 0) this.entry(well, target)
    }
  }

  /** A well's location: as the file wrote it, else from its number and the plate layout. */
  position(well: WellEntry): string | undefined {
    if (well.position) return well.position
    const columnsPerRow = PLATE_COLUMNS[this.plateWellCount ?? 0]
    if (!columnsPerRow || well.id < 1) return undefined
    return `${rowName(Math.floor((well.id - 1) / columnsPerRow))}${((well.id - 1) % columnsPerRow) + 1}`
  }

  private alleleTarget(wellId: number, snp: string, allele: Allele): string {
    const names = this.alleleNames.get(wellId) ?? ['Allele 1', 'Allele 2']
    return `${snp}-${names[allele - 1]}`
  }

  private indexOf(position: string): number | undefined {
    const m = /^([A-Z]{1,2})(\d+)$/.exec(position)
    const columnsPerRow = PLATE_COLUMNS[this.plateWellCount ?? 0]
    if (!m || !columnsPerRow) return undefined
    const row = m[1].length === 1 ? m[1].charCodeAt(0) - 65 : 26 + m[1].charCodeAt(1) - 65
    return row * columnsPerRow + Number(m[2])
  }
}

/** Columns per row of the plate layouts QuantStudio blocks use. */
const PLATE_COLUMNS: Record<number, number> = {96: 12, 384: 24, 48: 8, 24: 6, 1536: 48}

/** The text of a cell or undefined when empty, for optional document fields. */
export function optionalText(cell: Cell): string | undefined {
  const text = cellText(cell)
  return text === '' ? undefined : text
}
