import type {Database} from 'better-sqlite3'

import {LabmeshError} from '../../errors.js'
import type {SavedSearch, SavedSearchStore} from '../types.js'

interface SavedRow {
  name: string
  query: string
  saved_at: string
}

const toSaved = (row: SavedRow): SavedSearch => ({name: row.name, query: row.query, savedAt: row.saved_at})

/** Saved searches in the workspace database. */
export function createSqliteSavedSearches(db: Database): SavedSearchStore {
  const statements = {
    insert: db.prepare('INSERT INTO saved_searches (name, query, saved_at) VALUES (?, ?, ?)'),
    upsert: db.prepare(`INSERT INTO saved_searches (name, query, saved_at) VALUES (?, ?, ?)
      ON CONFLICT (name) DO UPDATE SET query = excluded.query, saved_at = excluded.saved_at`),
    get: db.prepare<[string], SavedRow>('SELECT * FROM saved_searches WHERE name = ?'),
    list: db.prepare<[], SavedRow>('SELECT * FROM saved_searches ORDER BY name'),
    delete: db.prepare('DELETE FROM saved_searches WHERE name = ?'),
  }
  return {
    async save(name, query, options = {}) {
      const savedAt = new Date().toISOString()
      try {
        ;(options.replace ? statements.upsert : statements.insert).run(name, query, savedAt)
      } catch (error) {
        if ((error as {code?: string}).code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') throw error
        throw new LabmeshError('CONFLICT', `a saved search named "${name}" exists already`, {
          subject: name,
          suggestions: ['pass --force to replace it, or choose another name', 'see them with `labmesh search list`'],
          cause: error,
        })
      }
      return {name, query, savedAt}
    },

    async get(name) {
      const row = statements.get.get(name)
      return row ? toSaved(row) : undefined
    },

    async list() {
      return statements.list.all().map(toSaved)
    },

    async delete(name) {
      return statements.delete.run(name).changes === 1
    },
  }
}
