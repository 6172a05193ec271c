// Diagnostic, documented in docs/performance.md: with WAIT_FOR_INIT_DEBUG_MODULES=1 the extension
// prints the Node built-ins it loaded, once, as it exits; tests use it to prove that node-fetch's
// https/tls/zlib stayed unloaded. Unset, it costs one environment lookup at exit. Its own module
// so that the list of known settings (settings.ts) can name the variable without loading main.ts.

export const DEBUG_MODULES_VARIABLE = 'WAIT_FOR_INIT_DEBUG_MODULES'

export function printLoadedBuiltins(): void {
  const list = (process as unknown as { moduleLoadList?: string[] }).moduleLoadList ?? []
  const builtins = list.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length))
  process.stdout.write(`[wait-for-init] ${DEBUG_MODULES_VARIABLE}: ${builtins.join(' ')}\n`)
}
