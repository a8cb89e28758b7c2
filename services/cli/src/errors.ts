/**
 * A problem shown as is: bad usage (exit code 2, the default) or an environment that is not
 * there or not reachable (exit code 1: no database, NATS unreachable, a schema missing).
 */
export class SystemError extends Error {
  override readonly name = 'SystemError';
  readonly exitCode: 1 | 2;
  constructor(message: string, options: { exitCode?: 1 | 2 } = {}) {
    super(message);
    this.exitCode = options.exitCode ?? 2;
  }
}
