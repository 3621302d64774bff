import {Flags} from '@oclif/core'

import {LabmeshCommand} from '../base-command.js'
import type {HealthCheck} from '../backends/types.js'
import {type EnvironmentReport, environmentReport, environmentRows} from '../environment/report.js'
import {LabmeshError} from '../errors.js'
import {choiceFlag} from '../flags/choice.js'
import {wideFlag} from '../flags/wide.js'
import {renderRecord, renderTable} from '../output/table.js'

export interface Diagnosis {
  profile: string
  backend: string
  ok: boolean
  checks: HealthCheck[]
  /** The versions and platform labmesh runs on, for a bug report. */
  environment: EnvironmentReport
}

export default class Doctor extends LabmeshCommand<typeof Doctor> {
  static override summary = 'Check every service the profile uses, each with its fix; --policy prints the least-privilege IAM policies.'
  static override description = `On an aws profile: credentials (STS), the bucket (reachable, default encryption, public access blocked,
versioning), the KMS key, the PostgreSQL metadata database (reachable, migrated), the Glue database, the Athena
workgroup and output location, and the Node.js version the AWS SDK supports. Locally: the workspace and its database.
Each check is ok, warn or fail; the exit code is 5 when one fails. Above the checks stand the versions of labmesh,
Node.js, DuckDB and SQLite and the platform: what a bug report needs.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> --profile prod',
    '<%= config.bin %> <%= command.id %> --profile prod --policy --role writer > labmesh-writer.json',
  ]
  static override flags = {
    policy: Flags.boolean({description: "Print the IAM policies for the profile's own resources instead of checking (aws backend)."}),
    role: choiceFlag(['reader', 'writer', 'admin'])({
      description: "With --policy, only this role's policy document.",
      dependsOn: ['policy'],
    }),
    ...wideFlag,
  }

  /** The checks; with --policy, the policy document (or the documents by role) instead. */
  public async run(): Promise<Diagnosis | object> {
    const backend = await this.backend()
    const profile = this.profile().name
    if (this.flags.policy) {
      if (!backend.accessPolicies) {
        throw new LabmeshError(
          'UNSUPPORTED',
          `the ${backend.name} backend has no IAM policies: its workspace is a folder on this machine`,
          {
            suggestions: ['run `labmesh doctor --policy` with an aws profile'],
          },
        )
      }
      const policies = await backend.accessPolicies()
      const chosen = this.flags.role ? policies[this.flags.role] : policies
      if (!this.jsonEnabled()) this.log(JSON.stringify(chosen, null, 2))
      return chosen
    }
    const checks = await backend.diagnose()
    const environment = await environmentReport(() => this.profile())
    const ok = checks.every((c) => c.status !== 'fail')
    const mark = {ok: 'ok', warn: 'WARN', fail: 'FAIL'}
    this.print({
      body: [
        renderRecord(environmentRows(environment), this.layout),
        renderTable(
          ['check', 'status', 'detail', 'fix'],
          checks.map((c) => [c.name, mark[c.status], c.detail, c.fix ?? '']),
          this.layout,
        ),
      ],
      notes: [ok ? `Profile "${profile}" (${backend.name}) is ready.` : `Profile "${profile}" (${backend.name}) has failing checks.`],
    })
    if (!ok) this.failBatch('BACKEND')
    return {profile, backend: backend.name, ok, checks, environment}
  }
}
