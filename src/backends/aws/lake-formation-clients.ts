import {GlueClient} from '@aws-sdk/client-glue'
import {LakeFormationClient} from '@aws-sdk/client-lakeformation'

import type {LakeFormationGrantStoreOptions} from './lake-formation.js'

/**
 * Lake Formation and Glue clients per Region, from the standard AWS credential chain; the SDK
 * also honours AWS_ENDPOINT_URL_LAKEFORMATION and AWS_ENDPOINT_URL_GLUE. One client per Region.
 */
export function lakeFormationClients(region: string): Pick<LakeFormationGrantStoreOptions, 'lakeFormation' | 'glue'> {
  // The SDK's notice about future Node versions would land on every command's stderr.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
  const lakeFormation = new Map<string, LakeFormationClient>()
  const glue = new Map<string, GlueClient>()
  return {
    lakeFormation: (r = region) => lakeFormation.get(r) ?? lakeFormation.set(r, new LakeFormationClient({region: r})).get(r)!,
    glue: (r) => glue.get(r) ?? glue.set(r, new GlueClient({region: r})).get(r)!,
  }
}
