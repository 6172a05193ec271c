/** Epoch milliseconds with sub-millisecond resolution (report timestamps). */
export const now = (): number => performance.timeOrigin + performance.now()

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
