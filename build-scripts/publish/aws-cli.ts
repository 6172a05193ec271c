// The AWS CLI as `make publish` uses it: every call names its region (--region), goes to
// AWS_ENDPOINT_URL when set, answers JSON, and fails with an AwsCallError that carries AWS's error
// code, so callers can tell "no such policy" from "access denied" and a failed region can be
// reported with the error AWS gave.
import { BuildError } from '../errors'
import { CommandResult, describeFailure } from '../run-command'

export type Runner = (cmd: string, args: readonly string[], timeoutMs: number) => Promise<CommandResult>

export const AWS_TIMEOUT_MS = 15 * 60_000 // a 40 MB upload on a slow link
export const QUICK_TIMEOUT_MS = 60_000

export const INSTALL_HINT =
  'install it: `apt-get install awscli` (Debian, v2) or `pip install awscli` (v1), or follow ' +
  'https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html; set AWS_CLI if it is not on PATH'

/** A failed call. `code` is AWS's error code (AccessDeniedException, ResourceNotFoundException…) when the CLI printed one. */
export class AwsCallError extends BuildError {
  constructor(
    message: string,
    /** The call, e.g. `aws lambda list-layer-versions`. */
    readonly what: string,
    readonly code?: string,
    /** AWS's own message, without the CLI's wording around it. */
    readonly awsMessage?: string,
  ) {
    super(message)
    this.name = 'AwsCallError'
  }
}

/**
 * AWS's error code and message in the CLI's stderr (v1 and v2 print the same line):
 * `An error occurred (AccessDeniedException) when calling the ListLayerVersions operation: User: … is not authorized …`,
 * with ` (reached max retries: 4)` after the operation when throttling outlasted the retries.
 */
export function parseAwsError(stderr: string): { code: string; operation: string; message: string } | undefined {
  const m = /An error occurred \(([^)]+)\)(?: \(reached max retries: \d+\))? when calling the (\w+) operation(?: \(reached max retries: \d+\))?: ?(.*)/.exec(stderr)
  if (m) return { code: m[1], operation: m[2], message: m[3].trim() }
  // Neither an AWS answer nor a usage error: the endpoint could not be reached (a region that does
  // not exist, no network).
  const c = /Could not connect to the endpoint URL: "?([^"\s]+)"?/.exec(stderr)
  if (c) return { code: 'EndpointConnectionError', operation: '', message: `could not connect to ${c[1]}` }
  return undefined
}

export interface AwsCli {
  /** Runs `aws <args> --region REGION [--endpoint-url URL] --output json` and parses the JSON it prints. */
  call(region: string, what: string, args: readonly string[], timeoutMs?: number): Promise<Record<string, unknown>>
}

export function awsCli(awsCliPath: string, endpointArgs: readonly string[], runner: Runner): AwsCli {
  return {
    async call(region, what, args, timeoutMs = AWS_TIMEOUT_MS) {
      const r = await runner(awsCliPath, [...args, '--region', region, ...endpointArgs, '--output', 'json'], timeoutMs)
      if (r.spawnError?.code === 'ENOENT') throw new BuildError(`AWS CLI not found (${awsCliPath}): ${INSTALL_HINT}`)
      if (r.code !== 0) {
        const aws = r.timedOut ? undefined : parseAwsError(r.stderr)
        throw new AwsCallError(describeFailure(what, r, timeoutMs), what, aws?.code, aws?.message)
      }
      try {
        return r.stdout.trim() ? (JSON.parse(r.stdout) as Record<string, unknown>) : {}
      } catch {
        throw new BuildError(`${what}: the AWS CLI printed something that is not JSON:\n${r.stdout.slice(0, 500)}`)
      }
    },
  }
}

/** One line for a failure report: the call, AWS's code and message when there is one, else the whole description. */
export function shortError(err: unknown): string {
  if (err instanceof AwsCallError && err.code) return `${err.what}: ${err.code}: ${err.awsMessage || err.message}`
  return err instanceof Error ? err.message : String(err)
}

/** Fails early, with the fix, when the CLI is missing or has no usable credentials. Returns the caller's ARN. */
export async function checkAwsAccess(awsCliPath: string, endpointArgs: readonly string[], region: string, runner: Runner, log: (line: string) => void): Promise<string> {
  // Both at once: each CLI start costs about a second.
  const [v, r] = await Promise.all([
    runner(awsCliPath, ['--version'], QUICK_TIMEOUT_MS),
    // The same endpoint as the publish itself (a LocalStack-style emulator answers STS too).
    runner(awsCliPath, ['sts', 'get-caller-identity', '--region', region, ...endpointArgs, '--output', 'json'], QUICK_TIMEOUT_MS),
  ])
  if (v.spawnError || v.code !== 0) {
    const why = v.spawnError?.code === 'ENOENT' ? 'not found' : describeFailure('aws --version', v, QUICK_TIMEOUT_MS)
    throw new BuildError(`AWS CLI ${why} (${awsCliPath}): ${INSTALL_HINT}`)
  }
  log(`using ${(v.stdout.trim() || v.stderr.trim()).split(/\s/)[0]}`)
  if (r.code !== 0) {
    const detail = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' ')
    throw new BuildError(
      `AWS credentials are missing or not valid: \`aws sts get-caller-identity\` failed (${detail}). ` +
        'Set AWS_PROFILE (after `aws configure` or `aws sso login --profile NAME`) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.',
    )
  }
  try {
    return String((JSON.parse(r.stdout) as { Arn?: string }).Arn ?? 'unknown identity')
  } catch {
    return 'unknown identity'
  }
}

/** The region of the CLI's configuration (AWS_PROFILE's, else the default profile's), or undefined. */
export async function configuredRegion(awsCliPath: string, runner: Runner): Promise<string | undefined> {
  const r = await runner(awsCliPath, ['configure', 'get', 'region'], QUICK_TIMEOUT_MS)
  if (r.spawnError?.code === 'ENOENT') throw new BuildError(`AWS CLI not found (${awsCliPath}): ${INSTALL_HINT}`)
  // Exit 1 with no output means "not set".
  return r.code === 0 && r.stdout.trim() ? r.stdout.trim() : undefined
}
