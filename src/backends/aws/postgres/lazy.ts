import {type Postgres, openPostgres, type PostgresSettings} from './connection.js'
import {migrate} from './migrations.js'

/** A migrated pool on first use, not before: commands that never touch records never connect. */
export interface LazyPostgres extends Postgres {
  /** The pool without migrating, for checks that must not change the database (doctor). */
  unmigrated(): Promise<Postgres>
}

/** `afterMigrate` runs once the schema is current, before any other statement of the process. */
export function lazyPostgres(settings: PostgresSettings, options: {afterMigrate?: (db: Postgres) => Promise<void>} = {}): LazyPostgres {
  let opened: Promise<Postgres> | undefined
  let migrated: Promise<Postgres> | undefined
  const open = (): Promise<Postgres> => {
    opened ??= openPostgres(settings).catch((error: unknown) => {
      opened = undefined
      throw error
    })
    return opened
  }
  const ready = (): Promise<Postgres> => {
    migrated ??= open()
      .then(async (db) => {
        await migrate(db)
        await options.afterMigrate?.(db)
        return db
      })
      .catch((error: unknown) => {
        migrated = undefined
        throw error
      })
    return migrated
  }
  return {
    get target() {
      return settings.secretId ?? (settings.url ? withoutPassword(settings.url) : '')
    },
    unmigrated: open,
    query: async (text, values) => (await ready()).query(text, values),
    transaction: async (fn) => (await ready()).transaction(fn),
    async close() {
      if (opened) await (await opened.catch(() => undefined))?.close()
    },
  }
}

/** The URL for messages: a password in a hand-edited config must not reach a log or an error. */
function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url)
    parsed.password = ''
    return parsed.toString()
  } catch {
    return 'the metadata URL'
  }
}
