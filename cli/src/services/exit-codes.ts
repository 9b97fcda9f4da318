/** The documented exit codes of `kikuai` (README, `kikuai --help`). */
export const ExitCode = {
  ok: 0,
  error: 1,
  usage: 2,
  authentication: 3,
  paymentRequired: 4,
  rateLimited: 5,
  unavailable: 6,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export const EXIT_CODE_MEANINGS: Array<[string, string]> = [
  ['0', 'success'],
  ['1', 'error: the server, the network, or anything else'],
  ['2', 'usage: a wrong flag or argument, or a flag is needed because nothing may prompt'],
  ['3', 'authentication: no key, or it is wrong, revoked, disabled, expired or not allowed'],
  ['4', "payment required: the balance or the key's spend limit does not cover the call"],
  ['5', 'rate limited: wait and try again'],
  ['6', 'unavailable: the service is briefly down (503); nothing was charged, try again shortly'],
];

/** An error the CLI raises itself, with the exit code it should end with. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue = ExitCode.error,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.usage);
    this.name = 'UsageError';
  }
}
