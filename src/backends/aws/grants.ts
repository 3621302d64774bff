import type {AwsProfileSettings} from '../../config/profiles.js'
import {LabmeshError} from '../../errors.js'
import type {GrantStore} from '../types.js'
import {resolvedRegion, type SharedClientConfig} from './client-config.js'
import type {Postgres} from './postgres/connection.js'
import {createPostgresAuditTrail} from './postgres/grant-audit.js'
import {callerIdentity} from './sts.js'

/**
 * The aws backend's grants: Lake Formation's permissions in the profile's Data Catalog (the
 * profile's catalogId, else the account of the credentials, from STS), audited in the metadata
 * database. Built on first use: commands that never share load neither the Lake Formation SDK
 * nor call STS.
 */
export function createAwsGrantStore(
  settings: AwsProfileSettings,
  config: SharedClientConfig,
  postgres: Postgres,
): GrantStore & {destroy(): void} {
  const audit = createPostgresAuditTrail(postgres)
  let destroy = (): void => {}
  let opened: Promise<GrantStore> | undefined
  const open = async (): Promise<GrantStore> => {
    const [{createLakeFormationGrantStore}, {lakeFormationClients}] = await Promise.all([
      import('./lake-formation.js'),
      import('./lake-formation-clients.js'),
    ])
    const region = await resolvedRegion(config)
    if (!region)
      throw new LabmeshError('USAGE', 'Lake Formation needs a Region: the profile has none and neither has the AWS configuration', {
        suggestions: ['set AWS_REGION, or recreate the profile with `labmesh init --region ...`'],
      })
    const catalogId = settings.catalogId ?? (await callerIdentity(config)).account
    const clients = lakeFormationClients({...config, region})
    destroy = clients.destroy
    return createLakeFormationGrantStore({
      names: {catalogId, databasePrefix: settings.glueDatabasePrefix ?? ''},
      region,
      lakeFormation: clients.lakeFormation,
      glue: clients.glue,
      audit,
    })
  }
  const store = (): Promise<GrantStore> => {
    opened ??= open().catch((error: unknown) => {
      opened = undefined
      throw error
    })
    return opened
  }
  return {
    list: async (filter) => (await store()).list(filter),
    apply: async (changes, audit, options) => (await store()).apply(changes, audit, options),
    // The history is the metadata database's alone: it needs neither Lake Formation nor STS.
    history: async (filter = {}) => audit.history(filter),
    listTags: async () => (await store()).listTags(),
    tag: async (resource, set, remove, audit) => (await store()).tag(resource, set, remove, audit),
    destroy: () => destroy(),
  }
}
