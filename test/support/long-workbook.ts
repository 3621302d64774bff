import ExcelJS from 'exceljs'

/**
 * A long two-column workbook (a header, then `rows` rows of well and absorbance) written by
 * exceljs' streaming writer, as large exports are written: no declared dimension, rows in
 * order. Generated on demand for the reader's limits; never stored in the project.
 */
export async function writeLongWorkbook(file: string, rows: number): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({filename: file, useSharedStrings: false})
  const sheet = workbook.addWorksheet('Results')
  sheet.addRow(['Well', 'Absorbance']).commit()
  for (let i = 0; i < rows; i++) {
    sheet.addRow([`${String.fromCharCode(65 + (Math.floor(i / 12) % 8))}${(i % 12) + 1}`, (i % 1000) / 1000]).commit()
  }
  sheet.commit()
  await workbook.commit()
}
