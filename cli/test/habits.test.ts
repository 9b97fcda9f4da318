/**
 * The habits gh and Stripe CLI users reach for, through the built binary: shell
 * completion, "did you mean", profiles, a spinner only for a person at a terminal, human
 * dates, idempotency keys, and every error said once in one line.
 */
import type { ApiKey, ApiKeyList, ApiKeyWithSecret } from '@kikuai/sdk';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseAs } from './support/spec-schemas.js';
import { BIN, runCli, tempConfigDir } from './support/run-cli.js';
import { sendJson, startWorld, type World } from './support/world.js';

/** A shell on this machine; under CI it must be there (.ci/run installs zsh and fish). */
function hasShell(shell: string): boolean {
  const found = spawnSync('sh', ['-c', `command -v ${shell}`]).status === 0;
  if (!found && process.env.CI) throw new Error(`${shell} is missing: .ci/run installs it`);
  return found;
}

/** Runs `script` in `shell` with the completion script for that shell saved at $SCRIPT. */
function inShell(shell: 'bash' | 'zsh' | 'fish', completion: string, script: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'kikuai-completion-'));
  try {
    const file = path.join(dir, `kikuai.${shell}`);
    writeFileSync(file, completion);
    const result = spawnSync(shell, ['-c', script], { env: { ...process.env, SCRIPT: file }, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    return result.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('kikuai completion and did-you-mean', { timeout: 60_000 }, () => {
  it('prints a bash script that completes commands, flags and flag choices', async () => {
    const result = await runCli(['completion', 'bash']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('complete -o default -F _kikuai_completion kikuai');
    const complete = (...words: string[]) =>
      inShell(
        'bash',
        result.stdout,
        `source "$SCRIPT"; COMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _kikuai_completion; echo "\${COMPREPLY[*]}"`,
      ).trim();
    expect(complete('kikuai', 'ba')).toBe('balance');
    expect(complete('kikuai', 'keys', 'l')).toBe('list');
    // `kikuai profiles` is a command (its flags) and a topic (its subcommands).
    expect(complete('kikuai', 'profiles', '')).toBe('list remove switch --json --base-url --api-key --profile');
    expect(complete('kikuai', 'topup', '--method', '')).toBe('paddle stars');
    expect(complete('kikuai', 'keys', 'show', 'key_1', '--js')).toBe('--json');
    expect(complete('kikuai', 'topup', '--amount', '')).toBe('');
  });

  it.runIf(hasShell('zsh'))('prints a zsh script that completes with each summary', async () => {
    const result = await runCli(['completion', 'zsh']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe('#compdef kikuai');
    // zsh's completion functions stubbed to print what they are given.
    const stubs = 'compdef(){}; _describe(){ print -l -- ${(P)4} }; compadd(){ shift; print -l -- "$@" }; _files(){ print FILES }';
    const complete = (...words: string[]) =>
      inShell('zsh', result.stdout, `${stubs}; source "$SCRIPT"; words=(${words.map((word) => `'${word}'`).join(' ')}); CURRENT=${words.length}; _kikuai`);
    expect(complete('kikuai', 'keys', 'l')).toContain('list:List the API keys of the account (secrets are never shown).\n');
    expect(complete('kikuai', 'topup', '--method', '')).toBe('paddle\nstars\n');
  });

  it.runIf(hasShell('fish'))('prints a fish script that completes with each summary', async () => {
    const result = await runCli(['completion', 'fish']);
    expect(result.code, result.stderr).toBe(0);
    const complete = (line: string) => inShell('fish', result.stdout, `source "$SCRIPT"; complete -C '${line}'`);
    expect(complete('kikuai keys l')).toBe('list\tList the API keys of the account (secrets are never shown).\n');
    expect(complete('kikuai topup --method ')).toMatch(/^paddle\t.+\nstars\t.+\n$/);
  });

  it('a mistyped command is one line naming the likely one, exit 2', async () => {
    const typo = await runCli(['blanace']);
    expect(typo).toMatchObject({ code: 2, stdout: '' });
    expect(typo.stderr).toBe('Error: "blanace" is not a kikuai command. Did you mean `kikuai balance`? See `kikuai --help` for the list.\n');
    expect((await runCli(['keys', 'lst'])).stderr).toContain('Did you mean `kikuai keys list`?');
    const unknown = await runCli(['xyzzy']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('Error: "xyzzy" is not a kikuai command. See `kikuai --help` for the list.\n');
    expect((await runCli(['help', 'blanace'])).stderr).toBe(typo.stderr);
    const completion = await runCli(['completion', 'tcsh']);
    expect(completion).toMatchObject({ code: 2, stdout: '', stderr: 'Error: Expected tcsh to be one of: bash, zsh, fish. See `kikuai completion --help`.\n' });
    const flag = await runCli(['balance', '--jsn']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toBe('Error: Unknown flag --jsn. Did you mean --json? See `kikuai balance --help`.\n');
  });
});

describe('kikuai against a server: profiles, spinner, dates, idempotency, errors', { timeout: 120_000 }, () => {
  let world: World;
  let config: ReturnType<typeof tempConfigDir>;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => world?.close());
  afterEach(() => config?.cleanup());

  function kikuai(args: string[], options: Parameters<typeof runCli>[1] = {}) {
    return runCli(args, { ...options, env: { KIKUAI_CONFIG_DIR: config.dir, KIKUAI_BASE_URL: world.server.url, ...options.env } });
  }

  it('profiles lists, switches and removes saved logins, never showing a secret', async () => {
    config = tempConfigDir();
    const personal = await world.account(1_000_000);
    const work = await world.account(4_000_000);
    expect((await kikuai(['login', '--profile', 'work', '--api-key', work.apiKey])).code).toBe(0);
    expect((await kikuai(['login', '--profile', 'default', '--api-key', personal.apiKey])).code).toBe(0);

    const listed = await kikuai(['profiles']);
    expect(listed.code, listed.stderr).toBe(0);
    const rows = listed.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^\s+NAME\s+SERVER\s+ACCOUNT\s+KEY\s+SAVED$/);
    expect(rows[1]).toMatch(new RegExp(`^\\*\\s+default \\(default\\)\\s+${world.server.url}\\s+${personal.accountId}\\s+${personal.keyId}\\s`));
    expect(rows[2]).toMatch(new RegExp(`^\\s+work\\s+${world.server.url}\\s+${work.accountId}\\s+${work.keyId}\\s`));
    expect(listed.stdout).not.toContain(personal.apiKey);

    const switched = await kikuai(['profiles', 'switch', 'work']);
    expect(switched.stdout).toBe(`✓ Default profile is now "work" (${world.server.url}).\n`);
    expect(JSON.parse((await kikuai(['balance', '--json'])).stdout).balance_micros).toBe(4_000_000);
    const json = JSON.parse((await kikuai(['profiles', '--json'])).stdout);
    expect(json).toMatchObject({ default_profile: 'work', active_profile: 'work' });
    expect(JSON.stringify(json)).not.toContain(work.apiKey);

    const typo = await kikuai(['profiles', 'switch', 'wrok']);
    expect(typo).toMatchObject({ code: 2, stdout: '', stderr: 'Error: No profile "wrok". Did you mean "work"? Saved: default, work.\n' });

    expect((await kikuai(['profiles', 'remove', 'work'])).stdout).toBe('✓ Removed profile "work". The default is now "default".\n');
    expect(JSON.parse((await kikuai(['balance', '--json'])).stdout).balance_micros).toBe(1_000_000);
  });

  it('a slow call shows no spinner when piped or under --json, and one in a terminal that is gone before the answer', async () => {
    config = tempConfigDir();
    const { apiKey } = await world.account(1_000_000);
    world.upstream.handle = (_request, response) => {
      setTimeout(() => sendJson(response, 200, { ok: true }), 1_000);
    };
    const piped = await kikuai(['call', 'reliapi', 'http', '--api-key', apiKey, '--data', '{}']);
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout).toBe('{"ok":true}\n');
    expect(piped.stderr).not.toContain('Waiting');
    expect(piped.stderr).not.toContain('\u001B');

    // util-linux `script` gives the CLI a terminal on both streams, as a person has.
    if (!hasShell('script')) return;
    const inTerminal = (...extra: string[]) => {
      const command = [process.execPath, BIN, 'call', 'reliapi', 'http', '--api-key', apiKey, '--data', '{}', ...extra].map((word) => `'${word}'`).join(' ');
      // Not spawnSync: the server answering the CLI runs in this process.
      const child = spawn('script', ['-qfec', command, '/dev/null'], {
        env: { PATH: process.env.PATH, TERM: 'xterm', KIKUAI_CONFIG_DIR: config.dir, KIKUAI_BASE_URL: world.server.url },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      return new Promise<string>((resolve) => child.on('close', () => resolve(output)));
    };
    const terminal = await inTerminal();
    expect(terminal).toContain(`Waiting for ${new URL(world.server.url).host}...`);
    // The spinner's line is erased before the answer is printed.
    const erased = terminal.lastIndexOf('\u001B[1A\u001B[2K');
    expect(erased).toBeGreaterThan(terminal.lastIndexOf('Waiting for'));
    expect(terminal.indexOf('{"ok":true}')).toBeGreaterThan(erased);
    expect(await inTerminal('--json')).not.toContain('Waiting');
  });

  it('--expires takes human dates, and garbage is one line naming what it takes', async () => {
    config = tempConfigDir();
    const { apiKey } = await world.account(0);
    const created = await kikuai(['keys', 'create', '--name', 'short', '--expires', 'tomorrow', '--api-key', apiKey, '--json']);
    expect(created.code, created.stderr).toBe(0);
    const key = parseAs<ApiKeyWithSecret>('ApiKeyWithSecret', created.stdout);
    const hoursAway = (Date.parse(key.expires_at!) - Date.now()) / 3_600_000;
    expect(hoursAway).toBeGreaterThan(12);
    expect(hoursAway).toBeLessThan(48);

    const updated = parseAs<ApiKey>('ApiKey', (await kikuai(['keys', 'update', key.id, '--expires', '30d', '--api-key', apiKey, '--json'])).stdout);
    expect(Math.round((Date.parse(updated.expires_at!) - Date.now()) / 86_400_000)).toBe(30);

    const garbage = await kikuai(['keys', 'create', '--expires', 'whenever', '--api-key', apiKey]);
    expect(garbage).toMatchObject({ code: 2, stdout: '' });
    expect(garbage.stderr).toBe(
      'Error: Invalid --expires: Expected a date or a time from now such as tomorrow, 30d, 2h, 2027-01-01 or 2027-01-01T12:00:00Z, got "whenever". See `kikuai keys create --help`.\n',
    );
  });

  it('--idempotency-key makes a rerun return the same key instead of a second one', async () => {
    config = tempConfigDir();
    const { apiKey } = await world.account(0);
    const create = (name: string) => kikuai(['keys', 'create', '--name', name, '--idempotency-key', 'deploy-42', '--api-key', apiKey, '--json']);
    const first = parseAs<ApiKeyWithSecret>('ApiKeyWithSecret', (await create('deploy')).stdout);
    const again = parseAs<ApiKeyWithSecret>('ApiKeyWithSecret', (await create('deploy')).stdout);
    expect(again.id).toBe(first.id);
    const keys = parseAs<ApiKeyList>('ApiKeyList', (await kikuai(['keys', 'list', '--api-key', apiKey, '--json'])).stdout);
    expect(keys.data.filter((key) => key.name === 'deploy')).toHaveLength(1);

    const otherBody = await create('other');
    expect(otherBody).toMatchObject({ code: 1, stdout: '' });
    expect(otherBody.stderr).toMatch(/^Error: [^\n]+\(idempotency_key_reused, request \S+\)\n$/);
  });

  it("an API error is one line: the server's words once, the CLI's next step once, the key's id filled in", async () => {
    config = tempConfigDir();
    const { apiKey } = await world.account(0);
    const other = parseAs<ApiKeyWithSecret>('ApiKeyWithSecret', (await kikuai(['keys', 'create', '--name', 'admin', '--api-key', apiKey, '--json'])).stdout);
    expect((await kikuai(['login', '--api-key', apiKey])).code).toBe(0);
    const { key_id: keyId } = JSON.parse((await kikuai(['profiles', '--json'])).stdout).profiles[0];
    expect((await kikuai(['keys', 'update', keyId, '--disable', '--api-key', other.secret])).code).toBe(0);

    const refused = await kikuai(['balance']);
    expect(refused).toMatchObject({ code: 3, stdout: '' });
    expect(refused.stderr).toBe(
      `Error: This API key is disabled. Enable it again with \`kikuai keys update ${keyId} --enable\` using another key. (key_disabled, request ${/request (\S+)\)/.exec(refused.stderr)?.[1]})\n`,
    );

    const usage = await kikuai(['topup']);
    expect(usage).toMatchObject({ code: 2, stdout: '', stderr: 'Error: Missing required flag --amount. See `kikuai topup --help`.\n' });
  });
});
