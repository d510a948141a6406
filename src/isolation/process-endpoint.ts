/**
 * A plugin's own Node.js process as a {@link WorkerEndpoint}: spawned by the host in a
 * process group of its own, spoken to over one pipe (fd 3, pipe-channel.ts), watched
 * from outside for the limits a thread cannot have.
 *
 *   host                                        plugin process (its own group)
 *   spawn(node plugin-process, {detached}) ──▶  fd 3: the pipe; cwd: the plugin's data folder
 *   BOOT (first frame)                     ──▶  load the plugin, READY | LOAD_FAILED
 *   control / calls / beats                ◀═▶  the same pipe
 *   every 100 ms: /proc/<pid> RSS, CPU     ──▶  over a limit: SIGKILL to the group
 *   exit (code | signal)                   ◀──  and SIGKILL to the group, for what it started
 *
 * Nothing outlives the host: the group is killed when the plugin stops, crashes or is
 * replaced, and at the host's exit; if the host dies without a word (SIGKILL), the
 * process sees its pipe close and kills its own group (process-worker.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { fromWireError, type WireError } from '../wire-error.js';
import type { ProcessLimits } from '../manifest/manifest.js';
import { isPlainObject } from '../plain-object.js';
import { PipeChannel, type PipeListeners } from '../transport/pipe-channel.js';
import type { WorkerEndpoint } from './worker-endpoint.js';
import type { WorkerExit } from './worker-errors.js';
import { readOutput } from './process-output.js';
import { readProcessUsage, type ProcessUsage } from './process-usage.js';
import { resolveWorkerEntry } from './worker-entry.js';

export type { ProcessLimits };

/** A plugin process as operators see it: its id, and its use at the last reading. */
export interface ProcessFigures {
  pid: number;
  residentBytes: number;
  cpuSeconds: number;
}

/** How a plugin process is started. */
export interface ProcessSpawn {
  /** The plugin's data folder: the process's working directory. */
  cwd: string;
  env: Record<string, string>;
  /** Node flags: the heap limit, from the plugin's resourceLimits. */
  nodeFlags: string[];
  limits: ProcessLimits;
  /** The largest frame the host reads from it. */
  maxFrameBytes: number;
  maxLineChars: number;
  /** Its stdout and stderr, as pino-style lines for the plugin's log intake. */
  output(lines: string[]): void;
  /** What the pipe carries besides control messages (the runtime's data plane). */
  data: Pick<PipeListeners, 'data' | 'bytes' | 'beat' | 'violation'>;
}

/** How often the host reads a process's memory and CPU. */
const USAGE_EVERY_MS = 100;
/** How long after its exit a process's pipes may take to close before the exit is told anyway. */
const CLOSE_GRACE_MS = 1_000;

/** Process groups of live plugin processes: killed at the host's exit, whatever ends it. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

/** Plugin processes this host started that have not exited yet. */
export function countLiveProcesses(): number {
  return liveGroups.size;
}

/** One plugin process. */
export class ProcessEndpoint implements WorkerEndpoint {
  readonly channel: PipeChannel;
  readonly #child: ChildProcess;
  readonly #pid: number;
  #onMessage: (message: unknown) => void = () => {};
  #lastError: Error | undefined;
  #overLimit: string | undefined;
  #heapOom = false;
  #uncaughtHeard = false;
  #exited = false;
  #usage: ProcessUsage | undefined;
  readonly #usageTimer: NodeJS.Timeout | undefined;

  constructor(spec: ProcessSpawn) {
    const entry = resolveWorkerEntry('plugin-process');
    const { uid, gid } = spec.limits;
    this.#child = spawn(
      process.execPath,
      [...spec.nodeFlags, fileURLToPath(entry.url), ...entry.argv],
      {
        cwd: spec.cwd,
        env: spec.env,
        stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
        detached: true,
        windowsHide: true,
        ...(uid === undefined ? {} : { uid }),
        ...(gid === undefined ? {} : { gid }),
      },
    );
    // spawn reports a failure to start (no such cwd, say) as an error event, with no pid.
    this.#pid = this.#child.pid ?? -1;
    this.#child.on('error', (error) => (this.#lastError ??= error));
    if (this.#pid > 0) watchGroup(this.#pid);
    const pipe = this.#child.stdio[3] as Socket;
    // A process that dies mid-write or mid-read breaks its pipes (EPIPE, ECONNRESET): its
    // exit tells the end, and an error event without a listener would end the host.
    for (const stream of [pipe, this.#child.stdout, this.#child.stderr])
      stream?.on('error', () => {});
    this.channel = new PipeChannel(pipe, spec.maxFrameBytes, {
      ...spec.data,
      control: (message) => this.#control(message),
    });
    const heap = (): void => void (this.#heapOom = true);
    const { stdout, stderr } = this.#child;
    if (stdout !== null) readOutput(stdout, 'stdout', spec.maxLineChars, spec.output, heap);
    if (stderr !== null) readOutput(stderr, 'stderr', spec.maxLineChars, spec.output, heap);
    this.#usageTimer = this.#watchUsage(spec.limits);
  }

  /** Its id and its use at the last reading (every 100 ms), until it exits. */
  get figures(): ProcessFigures | undefined {
    if (this.#pid <= 0 || this.#exited) return undefined;
    const usage = this.#usage ?? { rssBytes: 0, cpuSeconds: 0 };
    return { pid: this.#pid, residentBytes: usage.rssBytes, cpuSeconds: usage.cpuSeconds };
  }

  post(message: unknown): void {
    this.channel.sendControl(message);
  }

  onMessage(listener: (message: unknown) => void): void {
    this.#onMessage = listener;
  }

  onExit(listener: (exit: WorkerExit) => void): void {
    let told = false;
    const tell = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (told) return;
      told = true;
      clearInterval(this.#usageTimer);
      this.channel.close();
      listener({
        code,
        ...(signal === null ? {} : { signal }),
        error: this.#lastError,
        ...(this.#overLimit === undefined ? {} : { overLimit: this.#overLimit }),
        ...(this.#heapOom ? { heapOom: true } : {}),
      });
    };
    this.#child.once('exit', (code, signal) => {
      // Whatever the plugin started goes with it.
      killGroup(this.#pid);
      liveGroups.delete(this.#pid);
      this.#exited = true;
      // The last frames and lines (its uncaught error, its logs) are read before the
      // exit is told, unless something it started holds the pipes open.
      setTimeout(() => tell(code, signal), CLOSE_GRACE_MS).unref();
      this.#child.once('close', () => tell(code, signal));
    });
    // A process that never started has no exit: its error is its end.
    this.#child.once('error', () => {
      if (this.#pid <= 0) tell(null, null);
    });
  }

  async terminate(): Promise<void> {
    // Once it has exited, its pid may be another process's: nothing is sent to it.
    if (!this.#exited) killGroup(this.#pid);
  }

  /**
   * An UNCAUGHT message is the endpoint's (the cause of the exit to come), and only the
   * first is read: a process dies of one error; the rest go on.
   */
  #control(message: unknown): void {
    if (isPlainObject(message) && message['type'] === 'UNCAUGHT') {
      if (!this.#uncaughtHeard && isPlainObject(message['error'])) {
        this.#uncaughtHeard = true;
        this.#lastError = fromWireError(message['error'] as unknown as WireError);
      }
      return;
    }
    this.#onMessage(message);
  }

  #watchUsage(limits: ProcessLimits): NodeJS.Timeout | undefined {
    const { maxRssMb, cpuSeconds } = limits;
    if (this.#pid <= 0) return undefined;
    const timer = setInterval(() => {
      const usage = readProcessUsage(this.#pid);
      if (usage === undefined || this.#overLimit !== undefined) return;
      this.#usage = usage;
      const rssMb = Math.round(usage.rssBytes / (1 << 20));
      if (maxRssMb !== undefined && rssMb > maxRssMb) {
        this.#overLimit = `memory: ${rssMb} MB resident, over its limit of ${maxRssMb} MB (maxRssMb)`;
      } else if (cpuSeconds !== undefined && usage.cpuSeconds > cpuSeconds) {
        this.#overLimit = `CPU time: ${usage.cpuSeconds.toFixed(1)} s, over its limit of ${cpuSeconds} s (cpuSeconds)`;
      } else return;
      if (!this.#exited) killGroup(this.#pid);
    }, USAGE_EVERY_MS);
    timer.unref();
    return timer;
  }
}

function watchGroup(pid: number): void {
  liveGroups.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const group of liveGroups) killGroup(group);
  });
}

/** SIGKILL to process group `pid`: the plugin process and all it started (never throws). */
function killGroup(pid: number): void {
  if (pid <= 0) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}
