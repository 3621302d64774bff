import {LabmeshError} from '../errors.js'
import {readConfig, type WarehouseConnection, writeConfig} from './profiles.js'

/** The profile's connections, as stored with it in the config file. */
export function listConnections(profile: string): WarehouseConnection[] {
  const settings = readConfig().profiles[profile]
  return settings?.backend === 'aws' ? (settings.connections ?? []) : []
}

/** Adds the connection to the profile, replacing one to the same target and schema (connecting again updates it). */
export function saveConnection(profile: string, connection: WarehouseConnection): void {
  const config = readConfig()
  const settings = config.profiles[profile]
  if (settings?.backend !== 'aws')
    throw new LabmeshError(
      'NOT_FOUND',
      `profile "${profile}" is not an aws profile in the config file, so its connections cannot be kept there`,
      {
        suggestions: ['create one with `labmesh init --profile NAME --backend aws`'],
      },
    )
  const others = (settings.connections ?? []).filter(
    (c) => !(c.kind === connection.kind && c.target === connection.target && c.schema === connection.schema),
  )
  config.profiles[profile] = {...settings, connections: [...others, connection]}
  writeConfig(config)
}
