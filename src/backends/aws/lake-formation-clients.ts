import {GlueClient, type GlueClientConfig} from '@aws-sdk/client-glue'
import {LakeFormationClient} from '@aws-sdk/client-lakeformation'

import type {LakeFormationGrantStoreOptions} from './lake-formation.js'

/**
 * Lake Formation and Glue clients per Region, one each, all sharing the profile's client
 * configuration (credential chain, retries, user agent) with the Region replaced. The SDK also
 * honours AWS_ENDPOINT_URL_LAKEFORMATION and AWS_ENDPOINT_URL_GLUE.
 */
export function lakeFormationClients(
  config: Omit<GlueClientConfig, 'region'> & {region: string},
): Pick<LakeFormationGrantStoreOptions, 'lakeFormation' | 'glue'> & {destroy(): void} {
  // The SDK's notice about future Node versions would land on every command's stderr.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  const lakeFormation = new Map<string, LakeFormationClient>()
  const glue = new Map<string, GlueClient>()
  return {
    lakeFormation: (region = config.region) =>
      lakeFormation.get(region) ?? lakeFormation.set(region, new LakeFormationClient({...config, region})).get(region)!,
    glue: (region) => glue.get(region) ?? glue.set(region, new GlueClient({...config, region})).get(region)!,
    destroy() {
      for (const client of [...lakeFormation.values(), ...glue.values()]) client.destroy()
    },
  }
}
