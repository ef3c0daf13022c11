import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The app's executable, as npm installs it. */
export const bin = fileURLToPath(new URL('../../bin/ccx-hook-service.js', import.meta.url));

/** The workspace root, where `npx ccx-hook` resolves. */
export const workspaceRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** The test's environment without any CCX_HOOK_* variable of the developer's, plus `env`. */
export function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CCX_HOOK_')));
  return { ...base, ...env };
}

/** A running CLI process whose output lines are kept. */
export class CliProcess {
  readonly lines: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private closed = false;

  /** `command` defaults to the app's bin under this Node.js; `['npx', 'ccx-hook-service']` runs it as a user would. */
  constructor(args: string[], env: Record<string, string>, cwd = workspaceRoot, command = [process.execPath, bin]) {
    // A process group of its own, so that a signal reaches the service behind `npx` too.
    this.child = spawn(command[0]!, [...command.slice(1), ...args], {
      env: cleanEnv(env),
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const collect = (into: string[]) => {
      let rest = '';
      return (chunk: Buffer) => {
        const parts = (rest + chunk.toString()).split('\n');
        rest = parts.pop()!;
        into.push(...parts);
      };
    };
    this.child.stdout!.on('data', collect(this.lines));
    this.child.stderr!.on('data', collect(this.stderr));
    this.exited = new Promise((resolve) =>
      this.child.on('close', (code) => {
        this.closed = true;
        resolve(code);
      }),
    );
  }

  /** The process id (of the command itself: the service, unless started through npx). */
  get pid(): number {
    return this.child.pid!;
  }

  /** Whether the process has not exited. */
  get running(): boolean {
    return !this.closed;
  }

  /** Resolves with the first output line matching `pattern`; rejects on timeout or exit. */
  async waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.lines.find((candidate) => pattern.test(candidate));
      if (line) return line;
      if (this.closed || Date.now() > deadline) {
        throw new Error(`no line matching ${pattern}; stdout:\n${this.lines.join('\n')}\nstderr:\n${this.stderr.join('\n')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Sends `signal` and resolves with the exit code. */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    this.signal(signal);
    return this.exited;
  }

  /** Sends `signal` (e.g. SIGHUP) to the process and everything it started. */
  signal(signal: NodeJS.Signals): void {
    if (!this.closed) process.kill(-this.child.pid!, signal);
  }
}

/** Runs a CLI command to its end. */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
  command: string[] = [process.execPath, bin],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command[0]!, [...command.slice(1), ...args], { env: cleanEnv(env), cwd: workspaceRoot });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts `serve` and resolves once it listens, with its gRPC port and the port of `/healthz` and `/readyz`. */
export async function startService(
  env: Record<string, string>,
  command?: string[],
): Promise<{ service: CliProcess; port: number; httpPort: number }> {
  const service = new CliProcess(['serve'], { CCX_HOOK_GRPC_ADDRESS: '127.0.0.1:0', CCX_HOOK_HTTP_ADDRESS: '127.0.0.1:0', ...env }, workspaceRoot, command);
  const line = await service.waitFor(/ccx-hook-service listening/);
  const { port, http_port: httpPort } = JSON.parse(line) as { port: number; http_port: number };
  return { service, port, httpPort };
}

/** Starts `mock-hooks` on a free port and resolves with its URL. */
export async function startMockHooksProcess(args: string[] = []): Promise<{ mock: CliProcess; url: string }> {
  const mock = new CliProcess(['mock-hooks', '--port', '0', ...args], {}, workspaceRoot);
  const line = await mock.waitFor(/mock-hooks listening on/);
  return { mock, url: line.replace(/^.*listening on /, '').trim() };
}
