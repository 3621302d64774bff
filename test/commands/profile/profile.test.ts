import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'

import {TestWorkspace} from '../../support/cli.js'

describe('labmesh init and profile', function () {
  this.timeout(120_000)
  let ws: TestWorkspace
  beforeEach(() => {
    ws = new TestWorkspace()
  })
  afterEach(() => ws.remove())

  it('works with no set-up: the built-in local profile creates its workspace on first use', async () => {
    const shown = await ws.run(['profile', 'show', '--json'])
    expect(shown.code, shown.stderr).to.equal(0)
    expect(shown.json).to.include({name: 'local', source: 'default', home: ws.home})
    expect(existsSync(path.join(ws.home, 'labmesh.db'))).to.equal(false)
    await ws.run(['files', 'list'])
    expect(existsSync(path.join(ws.home, 'labmesh.db'))).to.equal(true)
  })

  it('init creates a profile and its workspace; flags, env and config pick the profile in that order', async () => {
    const home = ws.path('lab-home')
    const created = await ws.run(['init', '--profile', 'lab', '--backend', 'local', '--home', home, '--default', '--json'], {
      env: {LABMESH_HOME: ''},
    })
    expect(created.code, created.stderr).to.equal(0)
    expect(created.json.isDefault).to.equal(true)
    expect(existsSync(path.join(home, 'labmesh.db'))).to.equal(true)
    const config = JSON.parse(readFileSync(path.join(ws.configDir, 'config.json'), 'utf8'))
    expect(config).to.deep.equal({defaultProfile: 'lab', profiles: {lab: {backend: 'local', home}}})

    const list = await ws.run(['profile', 'list', '--json'])
    expect(list.json.profiles).to.deep.include({name: 'lab', backend: 'local', isDefault: true, location: home})
    expect(list.json.profiles.map((p: any) => p.name)).to.include('local')

    expect((await ws.run(['profile', 'show', '--json'], {env: {LABMESH_HOME: ''}})).json).to.include({name: 'lab', source: 'config', home})
    expect((await ws.run(['profile', 'show', '--json'], {env: {LABMESH_PROFILE: 'local'}})).json).to.include({name: 'local', source: 'env'})
    expect(
      (await ws.run(['profile', 'show', '--profile', 'lab', '--json'], {env: {LABMESH_PROFILE: 'local', LABMESH_HOME: ''}})).json,
    ).to.include({name: 'lab', source: 'flag'})

    const again = await ws.run(['init', '--profile', 'lab', '--backend', 'local', '--json'])
    expect(again.code).to.equal(5)
    expect(again.json.error.code).to.equal('CONFLICT')
  })

  it('names unknown profiles and the backend a command cannot use', async () => {
    const unknown = await ws.run(['files', 'list', '--profile', 'nope', '--json'])
    expect(unknown.code).to.equal(3)
    expect(unknown.json.error.message).to.match(/no profile named "nope"/)

    const noBucket = await ws.run(['init', '--profile', 'prod', '--backend', 'aws', '--json'])
    expect(noBucket.code).to.equal(2)
    /** `init` of an aws profile `prod` with bucket acme-lake, the given flags and `--json`. */
    const initAws = (...flags: string[]) =>
      ws.run(['init', '--profile', 'prod', '--backend', 'aws', '--bucket', 'acme-lake', ...flags, '--json'])
    const noKey = await initAws('--metadata-url', 'postgres://db/x')
    expect(noKey.code).to.equal(2)
    expect(noKey.json.error.message).to.include('--kms-key-id')
    const withPassword = await initAws('--kms-key-id', 'alias/lake', '--metadata-url', 'postgres://me:secret@db.example.com/lab')
    expect(withPassword.code).to.equal(2)
    expect(withPassword.json.error.message).to.include('must not hold a password')
    expect(withPassword.stdout + withPassword.stderr).to.not.include('secret@')
    // A URL that does not parse (a port that is no number) is not echoed either: it may hold the password.
    const unparsed = await initAws('--kms-key-id', 'alias/lake', '--metadata-url', 'postgres://me:secret@db.example.com:port/lab')
    expect(unparsed.code).to.equal(2)
    expect(unparsed.json.error.message).to.include('is not a URL')
    expect(unparsed.stdout + unparsed.stderr).to.not.include('secret@')
    const aws = await initAws('--region', 'eu-west-1', '--kms-key-id', 'alias/lake', '--metadata-secret', 'labmesh/rds', '--prefix', 'team')
    expect(aws.code, aws.stderr).to.equal(0)
    expect(aws.json.profile.settings).to.deep.equal({
      backend: 'aws',
      bucket: 'acme-lake',
      kmsKeyId: 'alias/lake',
      region: 'eu-west-1',
      prefix: 'team/',
      metadataSecret: 'labmesh/rds',
    })
    const withSecret = (profile: string, ...flags: string[]) =>
      ws.run([
        'init',
        '--profile',
        profile,
        '--backend',
        'aws',
        '--bucket',
        'acme-lake',
        '--kms-key-id',
        'alias/lake',
        '--metadata-secret',
        'labmesh/rds',
        ...flags,
        '--json',
      ])
    const topic = 'arn:aws:sns:eu-west-1:123456789012:labmesh-lab'
    const operations = await withSecret('ops', '--no-metrics', '--notify', '--notify-topic-arn', topic, '--metrics-profile', 'lab')
    expect(operations.code, operations.stderr).to.equal(0)
    expect(operations.json.profile.settings).to.include({metrics: false, notify: true, notifyTopicArn: topic, metricsProfile: 'lab'})
    const searchOn = await withSecret('os', '--opensearch', 'https://abc123.eu-west-1.aoss.amazonaws.com/')
    expect(searchOn.code, searchOn.stderr).to.equal(0)
    expect(searchOn.json.profile.settings.openSearchEndpoint).to.equal('https://abc123.eu-west-1.aoss.amazonaws.com')
    // Signed requests never go over plain HTTP.
    const plain = await withSecret('os2', '--opensearch-endpoint', 'http://abc123.eu-west-1.aoss.amazonaws.com')
    expect(plain.code).to.equal(2)
    expect(plain.json.error.message).to.equal('--opensearch-endpoint "http://abc123.eu-west-1.aoss.amazonaws.com" is not an https:// URL')
    // A user and password in the URL are refused, under either flag name, and never echoed (not even over http).
    for (const [flag, endpoint] of [
      ['--opensearch', 'https://admin:hunter2@abc123.eu-west-1.aoss.amazonaws.com'],
      ['--opensearch-endpoint', 'http://admin:hunter2@abc123.eu-west-1.aoss.amazonaws.com'],
      ['--opensearch-endpoint', 'https://admin@abc123.eu-west-1.aoss.amazonaws.com'],
      ['--opensearch', 'https://admin:hunter2@abc123.eu-west-1.aoss.amazonaws.com:port'],
    ]) {
      const withUser = await withSecret('os3', flag, endpoint)
      expect(withUser.code, endpoint).to.equal(2)
      expect(withUser.json.error.code).to.equal('USAGE')
      expect(withUser.json.error.message, endpoint).to.match(/^--opensearch-endpoint (must not hold a user or password|is not a URL)/)
      expect(withUser.stdout + withUser.stderr, endpoint)
        .to.not.include('hunter2')
        .and.not.include('admin@')
    }
    expect(JSON.parse(readFileSync(path.join(ws.configDir, 'config.json'), 'utf8')).profiles).to.not.have.property('os3')
    const badTopic = await withSecret('ops2', '--notify-topic-arn', 'labmesh-lab')
    expect(badTopic.code).to.equal(2)
    expect(badTopic.json.error.message).to.include('is not an SNS topic ARN')
    const local = await ws.run(['doctor', '--policy', '--profile', 'local', '--json'])
    expect(local.json.error.code).to.equal('UNSUPPORTED')
    expect(local.json.error.message).to.match(/local backend/)
  })
})
