/**
 * Reads a number the way instrument software writes it: "1,234.5", "1.234,5", "1 234,5",
 * "12,5" (decimal comma), "3.2E-04", "-0.5", "+7", with surrounding spaces or quotes.
 * Returns undefined for anything that is not a whole number token ("OVRFLW", "N/A", "12 cells").
 */
export function parseNumber(raw: string | number | null | undefined): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined
  if (raw === null || raw === undefined) return undefined
  let s = raw
    .trim()
    .replace(/^"(.*)"$/, '$1')
    .trim()
  if (s === '') return undefined
  s = s.replace(/[\u00a0\u202f ](?=\d{3}\b)/g, '')
  if (/^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(s) || /^[+-]?\.\d+([eE][+-]?\d+)?$/.test(s)) return Number(s)
  if (/^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) return Number(s.replace(/,/g, ''))
  if (/^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$/.test(s)) return Number(s.replace(/\./g, '').replace(',', '.'))
  if (/^[+-]?\d*,\d+([eE][+-]?\d+)?$/.test(s)) return Number(s.replace(',', '.'))
  return undefined
}
