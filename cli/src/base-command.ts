import { Command, Errors, Flags, toConfiguredId, ux, type Interfaces } from '@oclif/core';
import type { KikuaiClient, KikuaiClientOptions } from '@kikuai/sdk';
import { DEFAULT_PROFILE_NAME, readCredentials, resolveConfigDir, type CredentialsFile } from './services/credentials-store.js';
import { resolveConnection, type Connection } from './services/connection.js';
import { errorLine, reportError, type ErrorContext } from './services/error-report.js';
import { CliError, ExitCode } from './services/exit-codes.js';
import { paintFor, stripAnsi, type Paint } from './services/terminal.js';
import { fetchWithSpinner, spinnerAllowed } from './services/spinner.js';
import { describeUsageError } from './services/usage-error.js';

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>;
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

/**
 * What every `kikuai` command shares: `--json`, the connection flags and their
 * precedence, one `catch()` that turns any failure into one line and a documented exit
 * code. Only @oclif/core loads at the top: the SDK is imported when a command first
 * needs a client, so `kikuai --version` and `kikuai --help` stay fast.
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    'base-url': Flags.string({
      summary: 'API server to talk to (env: KIKUAI_BASE_URL; default http://localhost:8000).',
      helpGroup: 'GLOBAL',
      helpValue: '<url>',
    }),
    'api-key': Flags.string({
      summary: 'API key to use instead of the saved one (env: KIKUAI_API_KEY).',
      helpGroup: 'GLOBAL',
      helpValue: '<kik_…>',
    }),
    profile: Flags.string({
      summary: 'Saved profile to use (env: KIKUAI_PROFILE; default: the one last logged in).',
      helpGroup: 'GLOBAL',
      helpValue: '<name>',
    }),
  };

  protected flags!: BaseFlags<T>;
  protected args!: BaseArgs<T>;
  protected readonly stdoutPaint: Paint = paintFor(process.stdout);
  protected readonly stderrPaint: Paint = paintFor(process.stderr);
  private resolvedConnection: Connection | undefined;

  public override async init(): Promise<void> {
    await super.init();
    const { args, flags } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (this.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    });
    this.flags = flags as BaseFlags<T>;
    this.args = args as BaseArgs<T>;
  }

  protected get configDir(): string {
    return resolveConfigDir(this.config.configDir);
  }

  protected async readCredentials(): Promise<CredentialsFile> {
    return readCredentials(this.configDir);
  }

  /** The server and key this run uses; warns once on stderr when a flag or variable hides a saved value. */
  protected async connection(options: { quiet?: boolean } = {}): Promise<Connection> {
    if (!this.resolvedConnection) {
      this.resolvedConnection = resolveConnection(this.flags, process.env, await this.readCredentials());
      if (!options.quiet) for (const warning of this.resolvedConnection.warnings) this.stderr(this.stderrPaint.yellow(warning));
    }
    return this.resolvedConnection;
  }

  /** A client of the SDK authenticated with the resolved key. */
  protected async client(): Promise<KikuaiClient> {
    const connection = await this.connection();
    if (!connection.apiKey) {
      throw new CliError(
        `Not logged in${connection.profileName === DEFAULT_PROFILE_NAME ? '' : ` (profile "${connection.profileName}")`}. Run \`kikuai login\`, or pass --api-key or set KIKUAI_API_KEY.`,
        ExitCode.authentication,
      );
    }
    return this.clientFor(connection.baseUrl, connection.apiKey);
  }

  /** A client of the SDK acting as the operator, for `kikuai admin …` (the token comes from --admin-token or KIKUAI_ADMIN_TOKEN). */
  protected async adminClient(adminToken: string | undefined): Promise<KikuaiClient> {
    if (!adminToken?.trim()) {
      throw new CliError(
        "No admin token. Pass the server's KIKUAI_ADMIN_TOKEN with --admin-token or the KIKUAI_ADMIN_TOKEN variable.",
        ExitCode.authentication,
      );
    }
    const connection = await this.connection({ quiet: true });
    return this.sdkClient(connection.baseUrl, { adminToken: adminToken.trim() });
  }

  /** For public endpoints (products): the saved key is sent when there is one, but none is needed. */
  protected async publicClient(): Promise<KikuaiClient> {
    const connection = await this.connection();
    return this.clientFor(connection.baseUrl, connection.apiKey);
  }

  protected async clientFor(baseUrl: string, apiKey: string | undefined): Promise<KikuaiClient> {
    return this.sdkClient(baseUrl, apiKey ? { apiKey } : undefined);
  }

  /** The SDK's client; in a terminal, a call that takes over 300 ms shows a spinner on stderr. */
  private async sdkClient(baseUrl: string, auth: KikuaiClientOptions['auth']): Promise<KikuaiClient> {
    const { createKikuaiClient } = await import('@kikuai/sdk');
    const spinner = spinnerAllowed({ json: this.jsonEnabled() })
      ? { fetch: fetchWithSpinner(`Waiting for ${URL.canParse(baseUrl) ? new URL(baseUrl).host : baseUrl}`) }
      : {};
    return createKikuaiClient({ baseUrl, userAgent: `kikuai-cli/${this.config.version}`, ...(auth ? { auth } : {}), ...spinner });
  }

  /** One line on stderr, also under `--json` (stdout carries only the data). */
  protected stderr(line: string): void {
    process.stderr.write(`${line}\n`);
  }

  /** `--json` output: the SDK's response as it is, plain (no colours), and nothing else. */
  protected override logJson(json: unknown): void {
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  }

  protected override async catch(error: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<never> {
    failCommand(this, error, { baseUrl: this.resolvedConnection?.baseUrl, keyId: this.resolvedConnection?.keyId });
  }
}

/**
 * The one way any command fails: one line on stderr (`Error: …`) and a documented exit
 * code. oclif's parse errors (a missing or unknown flag, a value out of its list) are
 * reworded into the same line; their exit code is 2 (usage).
 */
export function failCommand(command: Command, error: Error & { oclif?: { exit?: number } }, context: ErrorContext = {}): never {
  if (error instanceof Errors.ExitError) throw error;
  const ctor = command.constructor as typeof Command;
  const flagNames = Object.keys({ ...ctor.baseFlags, ...ctor.flags, ...(ctor.enableJsonFlag ? { json: true } : {}) });
  const usage = describeUsageError(error, { command: `${command.config.bin} ${toConfiguredId(command.id ?? '', command.config)}`.trim(), flagNames });
  const { message, exitCode } = usage
    ? { message: usage, exitCode: error.oclif?.exit ?? ExitCode.usage }
    : error instanceof Errors.CLIError
      ? { message: stripAnsi(error.message), exitCode: error.oclif?.exit ?? ExitCode.error }
      : reportError(error, context);
  const paint = paintFor(process.stderr);
  if (ux.action.running) ux.action.stop(paint.red('failed'));
  process.stderr.write(`${errorLine(message, paint)}\n`);
  if (process.env.DEBUG && error.stack) process.stderr.write(`${paint.dim(error.stack)}\n`);
  throw new Errors.ExitError(exitCode);
}
