import {randomUUID} from 'node:crypto'
import {mkdtempSync, rmSync} from 'node:fs'
import http from 'node:http'
import {tmpdir} from 'node:os'
import path from 'node:path'
import S3rver from 's3rver'

export interface RecordedRequest {
  method: string
  /** Path and query, e.g. /bucket/raw/ab/abcd... */
  url: string
  headers: http.IncomingHttpHeaders
}

/** A fault the proxy injects into the next request matching it. */
export interface Fault {
  method: string
  /** Matches the request's path (bucket and key). */
  path: RegExp
  /** Answer with this S3 error instead of forwarding... */
  error?: {status: number; code: string; message: string}
  /** ...or forward it, then drop the connection without answering (the request landed; the client cannot know). */
  dropAfterForward?: boolean
}

/**
 * The S3 protocol for tests: s3rver (a real S3-compatible server on 127.0.0.1, storing objects in a
 * temporary folder) behind a small proxy that adds what s3rver lacks and records what clients
 * send. The proxy implements `If-None-Match: *` on PutObject as S3 documents it (412
 * PreconditionFailed when the key exists; concurrent conditional writes to one key are
 * serialised, so exactly one wins), records every request's headers (SSE-KMS, checksums,
 * conditions), and injects faults (409 ConditionalRequestConflict, a dropped response).
 */
export class TestS3 {
  readonly bucket = 'labmesh-test'
  readonly requests: RecordedRequest[] = []
  private readonly faults: Fault[] = []
  private readonly directory = mkdtempSync(path.join(tmpdir(), 'labmesh-s3-'))
  private server!: S3rver
  private proxy!: http.Server
  private upstreamPort = 0
  private readonly locks = new Map<string, Promise<void>>()
  /** The endpoint clients use (the proxy). */
  endpoint = ''
  /** The bucket settings GetBucketEncryption, GetPublicAccessBlock and GetBucketVersioning answer (s3rver has none). */
  settings = {
    encryptionKey: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' as string | null,
    publicAccessBlocked: true,
    versioning: 'Enabled',
  }

  async start(): Promise<this> {
    this.server = new S3rver({
      address: '127.0.0.1',
      port: 0,
      directory: this.directory,
      silent: true,
      configureBuckets: [{name: this.bucket}],
    })
    const address = (await this.server.run()) as {port: number}
    this.upstreamPort = address.port
    this.proxy = http.createServer((request, response) => void this.handle(request, response))
    await new Promise<void>((resolve) => this.proxy.listen(0, '127.0.0.1', resolve))
    this.endpoint = `http://127.0.0.1:${(this.proxy.address() as {port: number}).port}`
    return this
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.proxy.close(resolve))
    this.proxy.closeAllConnections()
    await this.server.close()
    rmSync(this.directory, {recursive: true, force: true})
  }

  /** Environment for a labmesh subprocess (or SDK client) to reach this server with test credentials. */
  env(): Record<string, string> {
    return {
      AWS_ENDPOINT_URL_S3: this.endpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
    }
  }

  inject(fault: Fault): void {
    this.faults.push(fault)
  }

  /** Recorded requests of a method whose path matches. */
  matching(method: string, pathPattern: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && pathPattern.test(r.url.split('?')[0]))
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = request.url ?? '/'
    this.requests.push({method: request.method ?? '', url, headers: {...request.headers}})
    const pathname = decodeURIComponent(url.split('?')[0])
    const faultIndex = this.faults.findIndex((f) => f.method === request.method && f.path.test(pathname))
    const fault = faultIndex >= 0 ? this.faults.splice(faultIndex, 1)[0] : undefined
    if (fault?.error) {
      request.resume()
      return this.sendError(response, fault.error.status, fault.error.code, fault.error.message)
    }
    if (
      request.method === 'GET' &&
      pathname.replace(/\/$/, '') === `/${this.bucket}` &&
      /[?&](encryption|publicAccessBlock|versioning)(=|&|$)/.test(url)
    ) {
      request.resume()
      return this.bucketSetting(url, response)
    }
    if (request.method === 'GET' && pathname.replace(/\/$/, '') === `/${this.bucket}` && /[?&]list-type=2(&|$)/.test(url)) {
      request.resume()
      return this.listObjectsV2(url, response)
    }
    const conditional = request.method === 'PUT' && request.headers['if-none-match'] === '*' && !url.includes('uploadId=')
    if (!conditional) return this.forward(request, response, fault?.dropAfterForward)
    // One conditional write per key at a time: the check and the write are atomic, as on S3.
    const previous = this.locks.get(pathname) ?? Promise.resolve()
    let release!: () => void
    const mine = new Promise<void>((resolve) => (release = resolve))
    this.locks.set(
      pathname,
      previous.then(() => mine),
    )
    await previous
    try {
      if (await this.exists(url.split('?')[0])) {
        request.resume()
        return this.sendError(response, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold')
      }
      await this.forward(request, response, fault?.dropAfterForward)
    } finally {
      release()
    }
  }

  /** Bucket configuration answers in the shapes of the S3 API reference. */
  private bucketSetting(url: string, response: http.ServerResponse): void {
    const xml = (body: string) => {
      const text = `<?xml version="1.0" encoding="UTF-8"?>\n${body}`
      response.writeHead(200, {'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(text)})
      response.end(text)
    }
    if (/[?&]encryption/.test(url)) {
      const key = this.settings.encryptionKey
      if (!key)
        return this.sendError(
          response,
          404,
          'ServerSideEncryptionConfigurationNotFoundError',
          'The server side encryption configuration was not found',
        )
      return xml(
        `<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>${key}</KMSMasterKeyID></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`,
      )
    }
    if (/[?&]publicAccessBlock/.test(url)) {
      if (!this.settings.publicAccessBlocked)
        return this.sendError(response, 404, 'NoSuchPublicAccessBlockConfiguration', 'The public access block configuration was not found')
      return xml(
        '<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>',
      )
    }
    return xml(
      this.settings.versioning
        ? `<VersioningConfiguration><Status>${this.settings.versioning}</Status></VersioningConfiguration>`
        : '<VersioningConfiguration/>',
    )
  }

  /**
   * ListObjectsV2, paged as S3 pages it. s3rver makes its continuation tokens with DES, which
   * OpenSSL 3 refuses (every truncated listing fails), so the proxy asks s3rver for the same page
   * in the version 1 form (a marker, no token) and answers in the version 2 form with its own
   * token: the key the next page starts after.
   */
  private async listObjectsV2(url: string, response: http.ServerResponse): Promise<void> {
    const query = new URLSearchParams(url.split('?')[1] ?? '')
    const token = query.get('continuation-token')
    const upstream = new URLSearchParams()
    for (const name of ['prefix', 'delimiter', 'max-keys']) if (query.has(name)) upstream.set(name, query.get(name)!)
    const marker = token ? Buffer.from(token, 'base64url').toString('utf8') : query.get('start-after')
    if (marker) upstream.set('marker', marker)
    const answer = await new Promise<{status: number; body: string}>((resolve, reject) => {
      http
        .get({host: '127.0.0.1', port: this.upstreamPort, path: `/${this.bucket}?${upstream.toString()}`}, (listing) => {
          const chunks: Buffer[] = []
          listing.on('data', (chunk: Buffer) => chunks.push(chunk))
          listing.on('end', () => resolve({status: listing.statusCode ?? 500, body: Buffer.concat(chunks).toString('utf8')}))
        })
        .on('error', reject)
    })
    if (answer.status !== 200) {
      response.writeHead(answer.status, {'Content-Type': 'application/xml'})
      return void response.end(answer.body)
    }
    const keys = [...answer.body.matchAll(/<Key>(.*?)<\/Key>/g)].map((m) => m[1])
    const truncated = /<IsTruncated>true<\/IsTruncated>/.test(answer.body)
    const unescape = (text: string) =>
      text.replace(/&(lt|gt|quot|apos|amp);/g, (_, name: string) => ({lt: '<', gt: '>', quot: '"', apos: "'", amp: '&'})[name]!)
    const v2 = [
      `<KeyCount>${keys.length}</KeyCount>`,
      token ? `<ContinuationToken>${token}</ContinuationToken>` : '',
      truncated ? `<NextContinuationToken>${Buffer.from(unescape(keys.at(-1)!)).toString('base64url')}</NextContinuationToken>` : '',
    ].join('')
    const body = answer.body.replace(/<Marker>[^<]*<\/Marker>|<Marker\/>/, v2).replace(/<Owner>.*?<\/Owner>/g, '')
    response.writeHead(200, {'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body)})
    response.end(body)
  }

  private exists(keyPath: string): Promise<boolean> {
    return new Promise((resolve, reject) => {
      http
        .request({host: '127.0.0.1', port: this.upstreamPort, method: 'HEAD', path: keyPath}, (upstream) => {
          upstream.resume()
          resolve(upstream.statusCode === 200)
        })
        .on('error', reject)
        .end()
    })
  }

  private forward(request: http.IncomingMessage, response: http.ServerResponse, drop = false): Promise<void> {
    return new Promise((resolve) => {
      const headers = {...request.headers}
      delete headers['if-none-match']
      const upstream = http.request(
        {host: '127.0.0.1', port: this.upstreamPort, method: request.method, path: request.url, headers},
        (answer) => {
          if (drop) {
            answer.resume()
            answer.on('end', () => {
              request.socket.destroy()
              resolve()
            })
            return
          }
          response.writeHead(answer.statusCode ?? 500, answer.headers)
          answer.pipe(response)
          answer.on('end', resolve)
        },
      )
      upstream.on('error', () => {
        response.destroy()
        resolve()
      })
      request.pipe(upstream)
    })
  }

  private sendError(response: http.ServerResponse, status: number, code: string, message: string): void {
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${randomUUID()}</RequestId><HostId>test</HostId></Error>`
    response.writeHead(status, {'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body)})
    response.end(body)
  }
}
