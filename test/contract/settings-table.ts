// One table of settings values, for the contract that the extension, the Node client and the
// Python client read WAIT_FOR_INIT_SOCKET and WARMING_TIMEOUT by one rule (protocol/signal-protocol.ts:
// trimmed, blank means the default). Used by test/contract/settings.test.ts (the rules, and the
// real listener at every path that is not the shared default) and by
// test/integration/settings-sandbox.test.ts (the real SEA in the sandbox's private /tmp, where the
// default path is safe to use).

export interface SettingsRow {
  name: string
  /** The function's environment (what Lambda gives the extension and the function alike). */
  env: Record<string, string>
  /** Whether the extension holds Init with it; then both clients must reach it. */
  holds: boolean
  /** Where the socket is when it holds (what every side must agree on). */
  path?: string
}

export const DEFAULT_PATH = '/tmp/wait-for-init.sock'

/** `dir`: a short, existing directory for custom socket paths. */
export function settingsRows(dir: string): SettingsRow[] {
  const custom = `${dir}/s.sock`
  const longest = `${dir}/${'x'.repeat(107 - dir.length - 1)}` // exactly 107 bytes: the longest allowed
  const holding = { WARMING_TIMEOUT: '5000' }
  return [
    // WAIT_FOR_INIT_SOCKET
    { name: 'socket unset', env: { ...holding }, holds: true, path: DEFAULT_PATH },
    { name: 'socket empty', env: { ...holding, WAIT_FOR_INIT_SOCKET: '' }, holds: true, path: DEFAULT_PATH },
    { name: 'socket spaces', env: { ...holding, WAIT_FOR_INIT_SOCKET: '   ' }, holds: true, path: DEFAULT_PATH },
    { name: 'socket tabs and newlines', env: { ...holding, WAIT_FOR_INIT_SOCKET: ' \t\n ' }, holds: true, path: DEFAULT_PATH },
    // JavaScript's trim() removes U+FEFF and U+3000; Python's str.strip() keeps the first.
    { name: 'socket byte-order mark and ideographic space', env: { ...holding, WAIT_FOR_INIT_SOCKET: '\ufeff\u3000' }, holds: true, path: DEFAULT_PATH },
    { name: 'socket custom path', env: { ...holding, WAIT_FOR_INIT_SOCKET: custom }, holds: true, path: custom },
    { name: 'socket padded path', env: { ...holding, WAIT_FOR_INIT_SOCKET: `  ${custom}\t` }, holds: true, path: custom },
    { name: 'socket path of 107 bytes', env: { ...holding, WAIT_FOR_INIT_SOCKET: longest }, holds: true, path: longest },
    { name: 'socket relative path', env: { ...holding, WAIT_FOR_INIT_SOCKET: 'wait-for-init.sock' }, holds: false },
    { name: 'socket path of 108 bytes', env: { ...holding, WAIT_FOR_INIT_SOCKET: `${longest}y` }, holds: false },
    // WARMING_TIMEOUT (at a custom path)
    { name: 'timeout unset', env: { WAIT_FOR_INIT_SOCKET: custom }, holds: false },
    { name: 'timeout empty', env: { WARMING_TIMEOUT: '', WAIT_FOR_INIT_SOCKET: custom }, holds: false },
    { name: 'timeout spaces', env: { WARMING_TIMEOUT: '   ', WAIT_FOR_INIT_SOCKET: custom }, holds: false },
    { name: 'timeout padded', env: { WARMING_TIMEOUT: ' 5000 ', WAIT_FOR_INIT_SOCKET: custom }, holds: true, path: custom },
    { name: 'timeout not a number', env: { WARMING_TIMEOUT: 'abc', WAIT_FOR_INIT_SOCKET: custom }, holds: false },
    { name: 'timeout with a unit', env: { WARMING_TIMEOUT: '5s', WAIT_FOR_INIT_SOCKET: custom }, holds: false },
    { name: 'timeout zero', env: { WARMING_TIMEOUT: '0', WAIT_FOR_INIT_SOCKET: custom }, holds: false },
    { name: 'timeout above 900000', env: { WARMING_TIMEOUT: '900001', WAIT_FOR_INIT_SOCKET: custom }, holds: false },
    { name: 'timeout Arabic-Indic digits', env: { WARMING_TIMEOUT: '\u0665\u0660\u0660\u0660', WAIT_FOR_INIT_SOCKET: custom }, holds: false },
  ]
}
