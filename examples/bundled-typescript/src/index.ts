// A TypeScript function bundled with esbuild that imports the wait-for-init client by name.
// Build-time resolution comes from the installed tarball (npm install dist/wait-for-init-*.tgz);
// at run time the client is either inside the bundle, or (built with --external:wait-for-init)
// the layer's copy at /opt/nodejs/node_modules/wait-for-init, found through NODE_PATH.
import { holdInitUntil, type SignalResult } from 'wait-for-init'

const state: { warm: boolean; signal: SignalResult | 'pending'; loadedAt: number } = {
  warm: false,
  signal: 'pending',
  loadedAt: Date.now(),
}

async function warmUp(): Promise<void> {
  // Several short awaited steps, like a connection handshake: about 1 s in total.
  for (let i = 0; i < 4; i++) await new Promise((resolve) => setTimeout(resolve, 250))
  state.warm = true
}

const ready = holdInitUntil(warmUp, { onResult: (result) => (state.signal = result) })

export const handler = async (event: unknown) => {
  await ready // the warm-up's own promise: rethrows its error in the handler too
  return { ...state, msSinceLoad: Date.now() - state.loadedAt, event }
}
