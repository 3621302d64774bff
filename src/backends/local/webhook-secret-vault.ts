import {createCipheriv, createDecipheriv, randomBytes} from 'node:crypto'
import {chmodSync, linkSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'

import {LabmeshError} from '../../errors.js'
import type {WebhookSecretVault} from '../types.js'

const KEY_BYTES = 32
const IV_BYTES = 12
const VERSION = 'v1'

/**
 * Webhook signing secrets of the local workspace, sealed with AES-256-GCM under a key kept in its
 * own file (0600) beside the database. Why a key file rather than a separate file of secrets: the
 * sealed secret is written in the same transaction as its webhook's row, so the two never drift
 * apart after a crash, and a copy of `labmesh.db` (a backup, a shared support bundle, a file
 * synced elsewhere) holds no usable secret. The webhook id is the cipher's associated data: a
 * sealed secret copied onto another webhook's row does not open.
 */
export function createLocalWebhookSecretVault(keyFile: string): WebhookSecretVault {
  let key: Buffer | undefined
  const vaultKey = (): Buffer => (key ??= readOrCreateKey(keyFile))
  // A secret was sealed, so its key existed: a missing file is a lost key, never one to make anew.
  const existingKey = (webhookId: string): Buffer => (key ??= readExistingKey(keyFile, webhookId))
  return {
    async seal(webhookId, secret) {
      const iv = randomBytes(IV_BYTES)
      const cipher = createCipheriv('aes-256-gcm', vaultKey(), iv).setAAD(Buffer.from(webhookId))
      const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()])
      return [VERSION, iv, sealed, cipher.getAuthTag()]
        .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
        .join('.')
    },
    async open(webhookId, ref) {
      const [version, iv, sealed, tag] = ref.split('.')
      try {
        if (version !== VERSION || tag === undefined) throw new Error('not a sealed secret')
        const decipher = createDecipheriv('aes-256-gcm', existingKey(webhookId), Buffer.from(iv, 'base64url'))
        decipher.setAAD(Buffer.from(webhookId)).setAuthTag(Buffer.from(tag, 'base64url'))
        return Buffer.concat([decipher.update(Buffer.from(sealed, 'base64url')), decipher.final()]).toString('utf8')
      } catch (error) {
        if (error instanceof LabmeshError) throw error
        throw new LabmeshError('INVALID_DATA', `the signing secret of webhook ${webhookId} does not open with the key in ${keyFile}`, {
          subject: keyFile,
          cause: error,
          suggestions: [
            'restore the key file that was beside the database when the webhook was added',
            `or remove the webhook and add it again: \`labmesh webhooks remove ${webhookId}\``,
          ],
        })
      }
    },
    async discard() {
      // The sealed secret goes with its row.
    },
  }
}

/** The vault's key; made on first use, written whole (a temporary file linked into place) and once. */
function readOrCreateKey(keyFile: string): Buffer {
  try {
    return readKey(keyFile)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  const temporary = `${keyFile}.${process.pid}.${randomBytes(4).toString('hex')}`
  writeFileSync(temporary, randomBytes(KEY_BYTES), {mode: 0o600, flag: 'wx'})
  try {
    chmodSync(temporary, 0o600)
    // link refuses an existing name: of two processes making the key at once, one wins and both read it.
    linkSync(temporary, keyFile)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  } finally {
    rmSync(temporary, {force: true})
  }
  return readKey(keyFile)
}

function readExistingKey(keyFile: string, webhookId: string): Buffer {
  try {
    return readKey(keyFile)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    throw new LabmeshError(
      'INVALID_DATA',
      `${keyFile} is missing: it holds the key that sealed the signing secret of webhook ${webhookId}`,
      {
        subject: keyFile,
        suggestions: [
          'restore the key file from a backup of the workspace (it belongs beside labmesh.db)',
          `or remove the webhooks and add them again: \`labmesh webhooks remove ${webhookId}\``,
        ],
      },
    )
  }
}

/** The key file's bytes; ENOENT is left to the caller, any other failure to read it is named. */
function readKey(keyFile: string): Buffer {
  try {
    return checkedKey(keyFile)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (error instanceof LabmeshError || code === 'ENOENT') throw error
    throw new LabmeshError(
      code === 'EACCES' || code === 'EPERM' ? 'FORBIDDEN' : 'INVALID_DATA',
      `cannot read ${keyFile}, the key that seals webhook secrets: ${(error as Error).message}`,
      {subject: keyFile, cause: error, suggestions: [`check that ${keyFile} is a file this user can read (mode 600)`]},
    )
  }
}

function checkedKey(keyFile: string): Buffer {
  const mode = statSync(keyFile).mode & 0o777
  // Like ssh with a private key: one others can read is refused, not used.
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new LabmeshError('FORBIDDEN', `${keyFile} can be read by others (mode ${mode.toString(8)}): it seals webhook secrets`, {
      subject: keyFile,
      suggestions: [`chmod 600 ${keyFile}`],
    })
  }
  const key = readFileSync(keyFile)
  if (key.length !== KEY_BYTES) {
    throw new LabmeshError('INVALID_DATA', `${keyFile} is not a webhook secret key (${key.length} bytes, not ${KEY_BYTES})`, {
      subject: keyFile,
      suggestions: ['restore it from a backup of the workspace'],
    })
  }
  return key
}
