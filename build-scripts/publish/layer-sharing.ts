// Sharing a layer version (PUBLIC / ORG_ID / PRINCIPAL): one statement in the version's policy,
// added once. A version published by this run has no policy yet; a version found unchanged may
// already have the statement (an earlier run added it) or not (it was published unshared), so
// its policy is read first. Other statements are named, never removed: revoking access is a
// decision for a person, not a re-run.
import { AwsCallError, AwsCli, QUICK_TIMEOUT_MS } from './aws-cli'
import { Permission } from './publish-settings'

export interface PolicyStatement {
  Sid?: string
  Principal?: unknown
  Condition?: unknown
}

/** The statements of a GetLayerVersionPolicy answer (its Policy is a JSON document in a string). */
export function policyStatements(answer: Record<string, unknown>): PolicyStatement[] {
  if (typeof answer.Policy !== 'string') return []
  try {
    const doc = JSON.parse(answer.Policy) as { Statement?: PolicyStatement | PolicyStatement[] }
    return Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : []
  } catch {
    return []
  }
}

export interface ShareRequest {
  region: string
  layerName: string
  version: number
  permission: Permission
  /** False for a version this run just published (it cannot have a policy yet). */
  readExisting: boolean
}

/** Makes sure the version carries the statement; returns whether it was added now. */
export async function shareVersion(cli: AwsCli, req: ShareRequest, log: (line: string) => void): Promise<'granted' | 'present'> {
  const p = req.permission
  const base = ['--layer-name', req.layerName, '--version-number', String(req.version)]
  if (req.readExisting) {
    let statements: PolicyStatement[] = []
    try {
      statements = policyStatements(await cli.call(req.region, 'aws lambda get-layer-version-policy', ['lambda', 'get-layer-version-policy', ...base], QUICK_TIMEOUT_MS))
    } catch (err) {
      if (!(err instanceof AwsCallError && err.code === 'ResourceNotFoundException')) throw err // no policy at all yet
    }
    const others = statements.filter((s) => s.Sid !== p.statementId).map((s) => s.Sid ?? '(no Sid)')
    if (others.length) log(`version ${req.version} also grants access through statement(s) ${others.join(', ')}; left as they are`)
    if (statements.some((s) => s.Sid === p.statementId)) {
      log(`version ${req.version} is already shared with ${p.audience} (statement ${p.statementId})`)
      return 'present'
    }
  }
  try {
    await cli.call(req.region, 'aws lambda add-layer-version-permission', [
      'lambda', 'add-layer-version-permission', ...base,
      '--statement-id', p.statementId,
      '--action', 'lambda:GetLayerVersion',
      '--principal', p.principal,
      ...(p.organizationId ? ['--organization-id', p.organizationId] : []),
    ], QUICK_TIMEOUT_MS)
  } catch (err) {
    // Another run added it between our read and this call.
    if (err instanceof AwsCallError && err.code === 'ResourceConflictException') {
      log(`version ${req.version} is already shared with ${p.audience} (statement ${p.statementId})`)
      return 'present'
    }
    throw err
  }
  log(`granted lambda:GetLayerVersion on version ${req.version} to ${p.audience}`)
  return 'granted'
}
