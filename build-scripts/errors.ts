// One error type for every expected build/publish failure: the CLIs print its message alone
// (no stack), because it already says what was wrong and what to do.
export class BuildError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'BuildError'
  }
}
