import net from 'node:net'

/**
 * A TCP relay on 127.0.0.1 in front of a real server, that a test can close to simulate an
 * outage (every connection cut, new ones refused) and open again on the same port.
 */
export class TcpGate {
  port = 0
  private server?: net.Server
  private readonly sockets = new Set<net.Socket>()

  constructor(private readonly target: {host: string; port: number}) {}

  async open(): Promise<this> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target)
      for (const socket of [client, upstream]) {
        this.sockets.add(socket)
        socket.on('close', () => this.sockets.delete(socket))
        socket.on('error', () => socket.destroy())
      }
      client.pipe(upstream).pipe(client)
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
    })
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve))
    this.port = (server.address() as net.AddressInfo).port
    this.server = server
    return this
  }

  async close(): Promise<void> {
    const server = this.server
    this.server = undefined
    if (!server) return
    const closed = new Promise((resolve) => server.close(resolve))
    for (const socket of this.sockets) socket.destroy()
    await closed
  }
}
