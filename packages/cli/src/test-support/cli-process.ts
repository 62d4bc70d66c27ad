// The built `modelgarden` executable as a child process, for suites that drive it against a real
// server: run it to the end (optionally with stdin), or keep it open to talk to it.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Written to stdin, which is then closed (default: closed at once, nothing written). */
  input?: string;
  /**
   * Run it on a pseudo-terminal (util-linux `script`), so stdin and stdout are TTYs: keys go in as
   * typed (`\r` for Enter, `\x03` for Ctrl-C), and stdout and stderr come out mixed, as on a screen.
   */
  terminal?: boolean;
}

export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first with 'npx tsc -b packages/cli'`);
}

/** A running CLI whose output is gathered as it comes. */
export class CliProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<CliResult>;

  constructor(args: string[], options: CliOptions = {}) {
    const command = [process.execPath, CLI, ...args];
    const [file, argv]: [string, string[]] = options.terminal
      ? ['script', ['-q', '-e', '-c', command.map(shellQuote).join(' '), '/dev/null']]
      : [process.execPath, command.slice(1)];
    this.child = spawn(file, argv, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) =>
      this.child.on('close', (code) => resolve({ code, stdout: this.stdout, stderr: this.stderr })),
    );
  }

  write(text: string): void {
    this.child.stdin?.write(text);
  }

  end(): void {
    this.child.stdin?.end();
  }

  /** Resolves once stdout holds `text` (rejects if the process exits first). */
  async waitForStdout(text: string): Promise<void> {
    while (!this.stdout.includes(text)) {
      const exited = await Promise.race([
        this.exited.then(() => true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), 20)),
      ]);
      if (exited && !this.stdout.includes(text)) {
        throw new Error(`exited before printing ${JSON.stringify(text)}:\n${this.stdout}\n${this.stderr}`);
      }
    }
  }
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

/** Runs the CLI to its end. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const cli = new CliProcess(args, options);
  if (options.input !== undefined) cli.write(options.input);
  cli.end();
  return cli.exited;
}
