import {LabmeshError} from '../../errors.js'

/** How labmesh signs in to Snowflake: key-pair authentication, never a password. */
export interface SnowflakeLogin {
  account: string
  user: string
  /** The PEM private key (read from a file or Secrets Manager; never stored or printed). */
  privateKey: string
  role?: string
  warehouse?: string
}

/** One statement at a time; a rejected statement is BACKEND with Snowflake's own message. */
export interface SnowflakeSession {
  execute(sql: string): Promise<Array<Record<string, unknown>>>
  close(): Promise<void>
}

/** The part of snowflake-sdk labmesh uses (tests hand in a fake at this interface). */
export interface SnowflakeSdk {
  createConnection(options: Record<string, unknown>): SnowflakeConnection
}

export interface SnowflakeConnection {
  connectAsync(callback?: unknown): Promise<unknown>
  execute(options: {sqlText: string; complete: (err: {message: string} | undefined, stmt: unknown, rows?: unknown[]) => void}): unknown
  destroy(callback: (err: unknown) => void): void
}

/** Opens a session with the official snowflake-sdk (loaded only here: it is large). */
export async function openSnowflakeSession(login: SnowflakeLogin, sdk?: SnowflakeSdk): Promise<SnowflakeSession> {
  // The driver loads the AWS SDK, which warns on every client that later versions need Node 22.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  const driver = sdk ?? ((await import('snowflake-sdk')).default as unknown as SnowflakeSdk & {configure(o: object): void})
  if (!sdk) (driver as unknown as {configure(o: object): void}).configure({logLevel: 'ERROR'})
  const connection = driver.createConnection({
    account: login.account,
    username: login.user,
    authenticator: 'SNOWFLAKE_JWT',
    privateKey: login.privateKey,
    ...(login.role ? {role: login.role} : {}),
    ...(login.warehouse ? {warehouse: login.warehouse} : {}),
    application: 'labmesh',
  })
  try {
    await connection.connectAsync()
  } catch (error) {
    throw new LabmeshError(
      'UNAUTHORIZED',
      `Snowflake refused the sign-in of ${login.user} to ${login.account}: ${(error as Error).message}`,
      {
        subject: login.account,
        suggestions: ['check that the user has the public key of this private key (ALTER USER ... SET RSA_PUBLIC_KEY)'],
      },
    )
  }
  return {
    execute: (sql) =>
      new Promise((resolve, reject) => {
        connection.execute({
          sqlText: sql,
          complete: (err, _stmt, rows) => {
            if (err)
              reject(
                new LabmeshError('BACKEND', `Snowflake refused the statement: ${err.message}`, {
                  subject: login.account,
                  suggestions: [`the statement was: ${sql}`],
                }),
              )
            else resolve((rows ?? []) as Array<Record<string, unknown>>)
          },
        })
      }),
    close: () => new Promise((resolve) => connection.destroy(() => resolve())),
  }
}
