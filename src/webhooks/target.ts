import {lookup} from 'node:dns'
import type {LookupFunction} from 'node:net'
import ipaddr from 'ipaddr.js'

import {LabmeshError} from '../errors.js'

/**
 * Where webhooks may be sent (SSRF). Only http(s) URLs without credentials; and unless a webhook
 * was added with --allow-private, only public unicast addresses: not loopback, private ranges,
 * link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, multicast or reserved ones.
 * The check runs on the address the connection actually uses (guardedLookup), so a name that
 * resolves to a private address, now or after a DNS change, is refused too.
 */

export function checkWebhookUrl(text: string, allowPrivate: boolean): URL {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new LabmeshError('USAGE', `"${text}" is not a URL`, {
      subject: text,
      suggestions: ['example: https://lims.example.com/hooks/labmesh'],
    })
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new LabmeshError('USAGE', `webhooks are sent over http or https only, not ${url.protocol}`, {subject: text})
  }
  if (url.username || url.password) {
    throw new LabmeshError('USAGE', 'a webhook URL may not hold credentials: receivers check the Labmesh-Signature header instead', {
      subject: url.host,
    })
  }
  const host = url.hostname.replace(/^\[|\]$/g, '')
  if (!allowPrivate && (ipaddr.isValid(host) ? !isPublicAddress(host) : host === 'localhost' || host.endsWith('.localhost'))) {
    throw privateTarget(url.host)
  }
  return url
}

export function isPublicAddress(address: string): boolean {
  let parsed = ipaddr.parse(address)
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address()
  return parsed.range() === 'unicast'
}

/** A DNS lookup for http(s).request that fails for addresses the webhook may not reach. */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, {...options, all: true}, (error, addresses) => {
      if (error) return callback(error, '', 0)
      const list = addresses as unknown as {address: string; family: number}[]
      const refused = allowPrivate ? undefined : list.find((a) => !isPublicAddress(a.address))
      if (refused) return callback(privateTarget(`${hostname} (${refused.address})`) as unknown as NodeJS.ErrnoException, '', 0)
      if (options.all) return (callback as unknown as (e: null, a: typeof list) => void)(null, list)
      callback(null, list[0].address, list[0].family)
    })
  }
}

function privateTarget(host: string): LabmeshError {
  return new LabmeshError('FORBIDDEN', `webhook target ${host} is a private, loopback or link-local address`, {
    subject: host,
    suggestions: ['add the webhook with --allow-private to deliver inside your network'],
  })
}
