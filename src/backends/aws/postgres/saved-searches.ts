import {LabmeshError} from '../../../errors.js'
import type {SavedSearch, SavedSearchStore} from '../../types.js'
import type {Postgres} from './connection.js'

const toSaved = (row: {name: string; query: string; saved_at: Date}): SavedSearch => ({
  name: row.name,
  query: row.query,
  savedAt: row.saved_at.toISOString(),
})

/** Saved searches in the metadata database, shared by everyone using the profile's account. */
export function createPostgresSavedSearches(db: Postgres): SavedSearchStore {
  return {
    async save(name, query, options = {}) {
      const savedAt = new Date().toISOString()
      const {rowCount} = await db.query(
        `INSERT INTO saved_searches (name, query, saved_at) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO ${options.replace ? 'UPDATE SET query = excluded.query, saved_at = excluded.saved_at' : 'NOTHING'}`,
        [name, query, savedAt],
      )
      if (rowCount === 0) {
        throw new LabmeshError('CONFLICT', `a saved search named "${name}" exists already`, {
          subject: name,
          suggestions: ['pass --force to replace it, or choose another name', 'see them with `labmesh search list`'],
        })
      }
      return {name, query, savedAt}
    },

    async get(name) {
      const {rows} = await db.query<{name: string; query: string; saved_at: Date}>('SELECT * FROM saved_searches WHERE name = $1', [name])
      return rows[0] ? toSaved(rows[0]) : undefined
    },

    async list() {
      const {rows} = await db.query<{name: string; query: string; saved_at: Date}>('SELECT * FROM saved_searches ORDER BY name COLLATE "C"')
      return rows.map(toSaved)
    },

    async delete(name) {
      const {rowCount} = await db.query('DELETE FROM saved_searches WHERE name = $1', [name])
      return rowCount === 1
    },
  }
}
