import {readFile} from 'node:fs/promises'
import {Flags} from '@oclif/core'

import {LabmeshCommand} from '../base-command.js'
import {LabmeshError} from '../errors.js'
import {sizeFlag} from '../flags/size.js'
import {isLoopbackHost} from '../server/listen.js'

export interface ServeResult {
  url: string
}

export default class Serve extends LabmeshCommand<typeof Serve> {
  static override summary = "Serve the profile's lake over HTTP: the REST API (API keys), a search page, server-sent events."
  static override description = `Routes: /v1/files (search, records, content, uploads, labels), /v1/tables, /v1/query, /v1/events,
/healthz, /openapi.json, and the search page at /. Every /v1 route needs an API key (labmesh keys create) with
its scope. It binds only to --host (loopback by default); another host needs --tls-cert and --tls-key, or
--insecure-http behind a TLS proxy. The access log (JSON lines, without secrets) goes to stderr. While it runs,
webhook deliveries go out and lab.files follows uploads in the background.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --port 9000 --upload-limit 2GiB',
    '<%= config.bin %> <%= command.id %> --host 0.0.0.0 --tls-cert cert.pem --tls-key key.pem',
  ]
  static override flags = {
    port: Flags.integer({char: 'p', description: 'Port to listen on (0: any free one).', default: 8080, min: 0, max: 65_535}),
    host: Flags.string({description: 'Address to bind to.', default: '127.0.0.1'}),
    'tls-cert': Flags.string({description: 'PEM certificate file: serve HTTPS.', dependsOn: ['tls-key']}),
    'tls-key': Flags.string({description: 'PEM private key file of --tls-cert.', dependsOn: ['tls-cert']}),
    'insecure-http': Flags.boolean({
      description: "Plain HTTP behind a TLS-terminating proxy (needed on a non-loopback host); the page's cookies stay Secure.",
    }),
    'upload-limit': sizeFlag({description: 'Largest upload accepted by POST /v1/files.', default: 1024 ** 3}),
    'rate-limit': Flags.integer({description: 'Requests per minute per API key.', default: 600, min: 1}),
  }

  public async run(): Promise<ServeResult> {
    const {flags} = this
    const tls =
      flags['tls-cert'] && flags['tls-key'] ? {cert: await readFile(flags['tls-cert']), key: await readFile(flags['tls-key'])} : undefined
    if (!isLoopbackHost(flags.host) && !tls && !flags['insecure-http']) {
      throw new LabmeshError(
        'USAGE',
        `--host ${flags.host} is reachable from other machines: API keys would cross the network in clear text`,
        {
          suggestions: [
            'give --tls-cert and --tls-key',
            'or --insecure-http when a TLS proxy sits in front',
            'or keep the default --host 127.0.0.1',
          ],
        },
      )
    }
    const backend = await this.backend()
    const [{buildServer}, {startBackgroundWork}] = await Promise.all([import('../server/app.js'), import('../server/background.js')])
    const app = await buildServer({
      backend,
      registry: await this.converters(),
      uploadLimit: flags['upload-limit'],
      rateLimit: flags['rate-limit'],
      log: process.stderr,
      https: tls,
      behindTlsProxy: flags['insecure-http'],
    })
    const url = await app.listen({host: flags.host, port: flags.port})
    const background = startBackgroundWork(backend, {intervalMs: 5000, log: (message) => this.warn(message)})
    if (this.jsonEnabled()) process.stdout.write(`${JSON.stringify({url})}\n`)
    else this.log(`labmesh serving ${backend.name} lake at ${url} (search page: ${url}/, API: ${url}/v1, OpenAPI: ${url}/openapi.json)`)
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop)
        process.off('SIGTERM', stop)
        resolve()
      }
      process.on('SIGINT', stop)
      process.on('SIGTERM', stop)
    })
    await app.close()
    await background.stop()
    return {url}
  }
}
