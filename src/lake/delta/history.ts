import pLimit from 'p-limit'

import {LabmeshError} from '../../errors.js'
import {type Action, type CommitInfoAction, isCommitInfo} from './actions.js'
import {type CommitFile, listLog, readCommit} from './log-reader.js'
import type {LakeStorage} from './storage.js'

/** When each version was committed, for history and time travel. */

export interface CommitRecord {
  version: number
  /** Commit time in ms since the epoch, made strictly increasing along the log. */
  timestamp: number
  /** The commit's commitInfo, when it wrote one. */
  commitInfo?: CommitInfoAction
}

const READ_CONCURRENCY = 16

/**
 * A commit's time: its in-commit timestamp, else commitInfo.timestamp, else the commit file's mtime
 * (the log does not require commitInfo, and object stores keep the upload time).
 */
export function commitTimestamp(actions: Action[], file: {mtime: number}): number {
  const info = actions.find(isCommitInfo)?.commitInfo
  return info?.inCommitTimestamp ?? info?.timestamp ?? Math.floor(file.mtime)
}

/** Every commit still in the log, oldest first. */
export async function history(storage: LakeStorage): Promise<CommitRecord[]> {
  const {commits} = await listLog(storage)
  const limit = pLimit(READ_CONCURRENCY)
  const records = await Promise.all(commits.map((file) => limit(() => readRecord(storage, file))))
  // Clocks of different writers disagree; like Delta, a commit is taken to be at least 1 ms after the previous one.
  for (let i = 1; i < records.length; i++) {
    if (records[i].timestamp <= records[i - 1].timestamp) records[i].timestamp = records[i - 1].timestamp + 1
  }
  return records
}

/** The latest version committed at or before `timestamp`; NOT_FOUND when it is before the first commit. */
export async function versionAtTimestamp(storage: LakeStorage, timestamp: number): Promise<number> {
  const records = await history(storage)
  if (records.length === 0)
    throw new LabmeshError('NOT_FOUND', `${storage.location} is not a Delta table (no commits)`, {subject: storage.location})
  const first = records[0]
  if (timestamp < first.timestamp) {
    throw new LabmeshError(
      'NOT_FOUND',
      `${new Date(timestamp).toISOString()} is before the table's first available version ${first.version}`,
      {
        subject: storage.location,
        suggestions: [`use a time at or after ${new Date(first.timestamp).toISOString()}`],
      },
    )
  }
  let version = first.version
  for (const record of records) {
    if (record.timestamp > timestamp) break
    version = record.version
  }
  return version
}

async function readRecord(storage: LakeStorage, file: CommitFile): Promise<CommitRecord> {
  const actions = await readCommit(storage, file.version)
  const commitInfo = actions.find(isCommitInfo)?.commitInfo
  return {version: file.version, timestamp: commitTimestamp(actions, file), ...(commitInfo ? {commitInfo} : {})}
}
