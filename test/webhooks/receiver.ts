import http from 'node:http'

export interface Received {
  headers: http.IncomingHttpHeaders
  body: string
}

/**
 * A webhook receiver on 127.0.0.1 that records every request and answers with what `answer`
 * says for it: a status, or 'hang' (never answers).
 */
export async function startReceiver(answer: (request: Received, index: number) => number | 'hang' = () => 204): Promise<{
  url: string
  received: Received[]
  next(): Promise<Received>
  close(): Promise<void>
}> {
  const received: Received[] = []
  const waiting: ((r: Received) => void)[] = []
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const entry = {headers: request.headers, body: Buffer.concat(chunks).toString('utf8')}
      const index = received.push(entry) - 1
      waiting.shift()?.(entry)
      const status = answer(entry, index)
      if (status !== 'hang') response.writeHead(status).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as {port: number}
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    next: () => new Promise((resolve) => waiting.push(resolve)),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
