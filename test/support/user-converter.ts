/** A user converter module, as people write them: balance readings, one "sample,grams" pair a line. */
export const USER_CONVERTER = `
export default {
  name: 'lab-weights',
  version: '0.1.0',
  technique: 'weighing',
  description: 'Balance readings, one "sample,grams" pair a line',
  detect: (name, head) => (head.toString('utf8').startsWith('#balance') ? 0.9 : 0),
  convert: ({name, bytes}) => ({
    'weighing aggregate document': {
      'data system document': {'file name': name},
      'weighing document': bytes.toString('utf8').split('\\n').slice(1).filter(Boolean).map((line) => {
        const [sample, grams] = line.split(',')
        return {'sample document': {'sample identifier': sample}, mass: {value: Number(grams), unit: 'g'}}
      }),
    },
  }),
}
`

/** An export the user converter above recognises. */
export const BALANCE_EXPORT = '#balance\nS-1,1.25\nS-2,0.98\n'
