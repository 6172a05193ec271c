// Runtime and extension environments (docs/lambda-lifecycle.md §2.3).

/** Names Lambda reserves; a function configuration may not set them. */
export const RESERVED = new Set([
  '_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME', 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE', 'AWS_LAMBDA_LOG_GROUP_NAME', 'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR',
])

/** Runtime-only variables, never given to extensions (docs/lambda-lifecycle.md §2.3 table, §9 item 2). */
export const RUNTIME_ONLY = [
  '_HANDLER', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_LOG_GROUP_NAME', 'AWS_LAMBDA_LOG_STREAM_NAME',
  'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR', 'AWS_XRAY_DAEMON_ADDRESS', 'AWS_XRAY_CONTEXT_MISSING',
]

export function validateCustomerEnv(env: Record<string, string>): void {
  for (const [k, v] of Object.entries(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`env: invalid variable name ${JSON.stringify(k)}`)
    if (typeof v !== 'string') throw new Error(`env: value of ${k} must be a string, got ${JSON.stringify(v)}`)
    if (RESERVED.has(k)) throw new Error(`env: ${k} is reserved by Lambda and set by the sandbox; remove it (value ${JSON.stringify(v)})`)
  }
}

export interface EnvInput {
  customer: Record<string, string>
  apiAddress: string
  handler: string
  functionName: string
  functionVersion: string
  memoryMb: number
  region: string
  /** null: left out, as emulators do (docs/lambda-lifecycle.md §11) */
  initType: 'on-demand' | 'provisioned-concurrency' | 'lambda-managed-instances' | null
  /** set: AWS_LAMBDA_FUNCTION_TIMEOUT (seconds) in every environment, as the RIE does (docs/lambda-lifecycle.md §11) */
  functionTimeoutS?: number
  logStreamName: string
  /** sandbox paths as the processes see them */
  taskRoot: string
  runtimeDir: string
  opt: string
  /** folder holding the runtime's node (on the runtime's PATH only) */
  runtimeBin: string
}

export function buildEnvironments(i: EnvInput): { runtime: Record<string, string>; extension: Record<string, string> } {
  const sysPath = `/usr/local/bin:/usr/bin/:/bin:${i.opt}/bin`
  const shared: Record<string, string> = {
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    PATH: sysPath,
    LD_LIBRARY_PATH: `/lib64:/usr/lib64:${i.runtimeDir}:${i.runtimeDir}/lib:${i.taskRoot}:${i.taskRoot}/lib:${i.opt}/lib`,
    ...i.customer,
    AWS_LAMBDA_RUNTIME_API: i.apiAddress,
    AWS_REGION: i.region,
    AWS_DEFAULT_REGION: i.region,
    AWS_LAMBDA_FUNCTION_NAME: i.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: i.functionVersion,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(i.memoryMb),
  }
  if (i.initType !== null) shared.AWS_LAMBDA_INITIALIZATION_TYPE = i.initType
  if (i.functionTimeoutS !== undefined) shared.AWS_LAMBDA_FUNCTION_TIMEOUT = String(i.functionTimeoutS)
  const runtime: Record<string, string> = {
    NODE_PATH: [`${i.opt}/nodejs/node20/node_modules`, `${i.opt}/nodejs/node_modules`, `${i.runtimeDir}/node_modules`, i.runtimeDir, i.taskRoot].join(':'),
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    ...shared,
    PATH: `${i.runtimeBin}:${i.customer.PATH ?? sysPath}`,
    _HANDLER: i.handler,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${i.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: i.logStreamName,
    LAMBDA_TASK_ROOT: i.taskRoot,
    LAMBDA_RUNTIME_DIR: i.runtimeDir,
    AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129:2000',
    _AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129',
    _AWS_XRAY_DAEMON_PORT: '2000',
  }
  const extension: Record<string, string> = {}
  for (const [k, v] of Object.entries(shared)) {
    if (k.startsWith('_') || RUNTIME_ONLY.includes(k)) continue
    extension[k] = v
  }
  return { runtime, extension }
}
