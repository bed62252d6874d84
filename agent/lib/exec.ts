import { execFile } from 'node:child_process';

/** The result of a host command that exited with status 0. */
export type ExecResult = { stdout: string; stderr: string };

export type ExecOptions = {
  /** Killed (SIGKILL) after this many milliseconds; default 60 s. */
  timeoutMs?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Largest stdout/stderr kept, in bytes; default 16 MiB. */
  maxBuffer?: number;
};

/**
 * A host command that failed: exited non-zero, was killed, timed out, or could
 * not be started. `message` carries the tool's own stderr, so it can be shown
 * to an operator as is.
 */
export class ExecError extends Error {
  readonly file: string;
  readonly args: readonly string[];
  /** Exit status, or null when killed by a signal or never started. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;

  constructor(init: {
    file: string;
    args: readonly string[];
    exitCode: number | null;
    signal: NodeJS.Signals | null;
    timedOut: boolean;
    stdout: string;
    stderr: string;
    cause?: unknown;
  }) {
    const what = init.timedOut
      ? 'timed out'
      : init.exitCode !== null
        ? `exited with status ${init.exitCode}`
        : init.signal
          ? `was killed by ${init.signal}`
          : 'could not be started';
    const detail = init.stderr.trim() || (init.cause instanceof Error ? init.cause.message : '');
    super(`${init.file} ${what}${detail ? `: ${detail}` : ''}`, { cause: init.cause });
    this.name = 'ExecError';
    this.file = init.file;
    this.args = init.args;
    this.exitCode = init.exitCode;
    this.signal = init.signal;
    this.timedOut = init.timedOut;
    this.stdout = init.stdout;
    this.stderr = init.stderr;
  }
}

/**
 * Runs a host command with an argument array (never a shell) and a timeout.
 * Resolves with its output when it exits 0; rejects with an ExecError otherwise.
 */
export function exec(file: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        cwd: options.cwd,
        env: options.env,
        maxBuffer: options.maxBuffer ?? 16 * 1024 * 1024,
        encoding: 'utf8',
        shell: false,
      },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ stdout, stderr });
          return;
        }
        // `code` is the exit status, or an errno string (ENOENT) when the tool could not start.
        const code: unknown = error.code;
        const exitCode = typeof code === 'number' ? code : null;
        const signal = error.signal ?? null;
        reject(
          new ExecError({
            file,
            args,
            exitCode,
            signal,
            timedOut: Boolean(error.killed) && signal === 'SIGKILL' && exitCode === null,
            stdout,
            stderr,
            cause: error,
          }),
        );
      },
    );
  });
}
