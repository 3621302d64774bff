import type {fromNodeProviderChain} from '@aws-sdk/credential-providers'

import {LABMESH_VERSION} from '../../version.js'

/** What every AWS client of a profile shares. */
export interface AwsClientSettings {
  /** The profile's region; else the SDK's own chain (AWS_REGION, the shared config). */
  region?: string
  /** A shared-config profile (SSO, assume-role, credential_process...); else the SDK's default chain. */
  awsProfile?: string
}

/** The subset of SDK client configuration labmesh sets, accepted by every v3 client. */
export interface SharedClientConfig {
  region?: string
  profile?: string
  credentials: ReturnType<typeof fromNodeProviderChain>
  retryMode: 'adaptive'
  maxAttempts: number
  customUserAgent: [string, string][]
  /** Set only by tests that point one facade at a local server; users set AWS_ENDPOINT_URL_<SERVICE>. */
  endpoint?: string
}

/**
 * One client configuration for every service facade of a profile: region, the SDK's credential
 * chain (environment, shared config and SSO, container and instance roles), adaptive retries
 * (throttling backs off and is retried), and a user agent naming labmesh. Endpoints are left to
 * the SDK, which honours AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE> and shared-config
 * `services` sections: MinIO, Ceph or an emulator need no labmesh setting.
 */
export async function sharedClientConfig(settings: AwsClientSettings): Promise<SharedClientConfig> {
  // The SDK warns on every client that future versions need Node 22; the pinned versions support Node 20.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  const {fromNodeProviderChain: chain} = await import('@aws-sdk/credential-providers')
  return {
    ...(settings.region ? {region: settings.region} : {}),
    ...(settings.awsProfile ? {profile: settings.awsProfile} : {}),
    credentials: chain(settings.awsProfile ? {profile: settings.awsProfile} : {}),
    retryMode: 'adaptive',
    maxAttempts: 5,
    customUserAgent: [['labmesh', LABMESH_VERSION]],
  }
}

/** The region a client of this configuration uses: the profile's, else the SDK's chain (AWS_REGION, the shared config); undefined when none is set. */
export async function resolvedRegion(config: SharedClientConfig): Promise<string | undefined> {
  if (config.region) return config.region
  const {STSClient} = await import('@aws-sdk/client-sts')
  const client = new STSClient(config)
  try {
    return await client.config.region()
  } catch {
    return undefined
  } finally {
    client.destroy()
  }
}
