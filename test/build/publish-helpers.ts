// Shared by the publish tests: `make publish` with the real AWS CLI against the fake endpoint
// (fake-aws.ts), with dummy credentials, a throwaway HOME and the record in that HOME, never in dist/.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { FakeAws, RecordedRequest, startFakeAws } from './fake-aws'
import { run } from './helpers'
import type { PublishedRecord } from '../../build-scripts/publish/publish-record'

export interface PublishFixture {
  fake: FakeAws
  home: string
  /** PUBLISH_RECORD of every run in this fixture. */
  record: string
}

/** A fake endpoint and a HOME, both removed at teardown. */
export async function publishFixture(t: { teardown(fn: () => void | Promise<void>): void }): Promise<PublishFixture> {
  const fake = await startFakeAws()
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'wfi-pub-'))
  t.teardown(async () => {
    await fake.close()
    fs.rmSync(home, { recursive: true, force: true })
  })
  return { fake, home, record: path.join(home, 'record', 'published.json') }
}

/** Environment for `make publish`: only dummy credentials, the fixture's HOME and record, the fake endpoint. */
export function publishEnv(f: PublishFixture, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  // Only what is listed here: the surrounding make (make test) must not change how the inner one behaves.
  return {
    PATH: process.env.PATH,
    HOME: f.home,
    AWS_ENDPOINT_URL: f.fake.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIAFAKEFORTESTS0000',
    AWS_SECRET_ACCESS_KEY: 'fake-secret-for-tests',
    AWS_CONFIG_FILE: path.join(f.home, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(f.home, 'no-credentials'),
    PUBLISH_RECORD: f.record,
    ...extra,
  }
}

export const make = (target: string, env: NodeJS.ProcessEnv, vars: string[] = []) => run('make', ['-s', target, ...vars], { env, timeoutMs: 5 * 60_000 })

export const arnLines = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('LayerVersionArn: '))

export function readRecordFile(file: string): PublishedRecord {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as PublishedRecord
}

/** `METHOD /path` of the requests to one service, for order checks. */
export function calls(requests: readonly RecordedRequest[], service?: string): string[] {
  return requests.filter((q) => q.service !== 'sts' && (!service || q.service === service)).map((q) => `${q.method} ${q.path}`)
}
