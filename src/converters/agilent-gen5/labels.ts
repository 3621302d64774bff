import type {Channel, ReadStep} from './procedure.js'

/**
 * Gen5 names each row of results "<step label>:<channel>[ [qualifier]]": "od:600", "FP Read:485/20,528/20 [Parallel]",
 * "260:977 [Test]", "Read 2:450,490", or just the channel ("Lum", "360/40,460/40") when the read has no label.
 * A label that names a read step's channel is a reading; any other ("Blank 450nm:450", "Mean V [420]",
 * "[Concentration]", "Ratio 260/280") is a value Gen5 calculated from readings.
 */
export interface ChannelMatch {
  step: ReadStep
  channel: Channel
}

export class LabelMatcher {
  private readonly known = new Map<string, ChannelMatch | undefined>()
  private readonly qualifiers = new Map<ReadStep, string[]>()

  constructor(private readonly reads: ReadStep[]) {}

  match(label: string): ChannelMatch | undefined {
    if (!this.known.has(label)) this.known.set(label, this.resolve(label))
    return this.known.get(label)
  }

  private resolve(label: string): ChannelMatch | undefined {
    const bracket = /^(.*?)\s*\[([^\]]*)\]$/.exec(label)
    const base = (bracket ? bracket[1] : label).trim()
    const qualifier = bracket?.[2].trim()
    const colon = base.lastIndexOf(':')
    if (colon > 0) {
      const prefix = base.slice(0, colon).trim()
      const step =
        this.reads.find((r) => r.label === prefix) ?? this.reads.find((r) => r.label === undefined && `Read ${r.index}` === prefix)
      if (step) return this.inStep(step, base.slice(colon + 1).trim(), qualifier)
    }
    for (const step of this.reads) {
      const match = this.inStep(step, base, qualifier)
      if (match) return match
    }
    return undefined
  }

  private inStep(step: ReadStep, key: string, qualifier: string | undefined): ChannelMatch | undefined {
    const compact = key.replace(/\s+/g, '')
    const hits = step.channels.filter((channel) =>
      channel.keys.some((k) => (k === 'Spectrum' ? /Spectrum$/i.test(key) : k === key || k === compact)),
    )
    if (hits.length <= 1 || qualifier === undefined) return hits.length > 0 ? {step, channel: hits[0]} : undefined
    // Filter sets with the same wavelengths (fluorescence polarization: [Parallel], [Perpendicular]) are told apart
    // by their qualifier, in the order the qualifiers first appear.
    const order = this.qualifiers.get(step) ?? []
    if (!order.includes(qualifier)) order.push(qualifier)
    this.qualifiers.set(step, order)
    return {step, channel: hits[Math.min(order.indexOf(qualifier), hits.length - 1)]}
  }
}
