import {expect} from 'chai'

import {profilePolicy} from '../../../src/backends/aws/iam-policy.js'
import type {AwsProfileSettings} from '../../../src/config/profiles.js'

// Pure: the policy documents `doctor --policy` prints for a profile that searches on OpenSearch.
describe('IAM policy: search on OpenSearch', () => {
  const base: AwsProfileSettings = {backend: 'aws', bucket: 'acme-lake', kmsKeyId: 'alias/lake', metadataUrl: 'postgres://labmesh@db/lab'}
  const context = {account: '123456789012', region: 'eu-west-1'}
  const sids = (settings: AwsProfileSettings) => profilePolicy(settings, 'reader', context).Statement.map((s) => s.Sid)

  it('names nothing of OpenSearch when the profile searches on PostgreSQL', () => {
    expect(sids(base).filter((sid) => sid.startsWith('Search'))).to.deep.equal([])
  })

  it("scopes a managed domain to labmesh's index: readers GET, HEAD and POST, writers also PUT", () => {
    const settings = {...base, openSearchEndpoint: 'https://search-lab-abc.eu-west-1.es.amazonaws.com', openSearchIndex: 'lab-files'}
    const reader = profilePolicy(settings, 'reader', context).Statement.find((s) => s.Sid === 'SearchIndexRead')
    expect(reader).to.deep.equal({
      Sid: 'SearchIndexRead',
      Effect: 'Allow',
      Action: ['es:ESHttpGet', 'es:ESHttpHead', 'es:ESHttpPost'],
      Resource: ['arn:aws:es:eu-west-1:123456789012:domain/*/lab-files', 'arn:aws:es:eu-west-1:123456789012:domain/*/lab-files/*'],
    })
    const writer = profilePolicy(settings, 'writer', context).Statement.find((s) => s.Sid === 'SearchIndexReadAndWrite')
    expect(writer?.Action).to.deep.equal(['es:ESHttpGet', 'es:ESHttpHead', 'es:ESHttpPost', 'es:ESHttpPut'])
    expect(writer?.Resource[0]).to.equal('arn:aws:es:eu-west-1:123456789012:domain/*/lab-files')
  })

  it('gives a serverless collection APIAccessAll on the collection its endpoint names, for every role', () => {
    const settings = {...base, openSearchEndpoint: 'https://abc123xyz.eu-west-1.aoss.amazonaws.com'}
    for (const role of ['reader', 'writer', 'admin'] as const) {
      const statement = profilePolicy(settings, role, context).Statement.find((s) => s.Sid === 'SearchCollection')
      expect(statement, role).to.deep.equal({
        Sid: 'SearchCollection',
        Effect: 'Allow',
        Action: ['aoss:APIAccessAll'],
        Resource: ['arn:aws:aoss:eu-west-1:123456789012:collection/abc123xyz'],
      })
    }
  })
})
