/**
 * The plugin side of process isolation: the main of a plugin's own Node.js process. It
 * talks to the host over one pipe, fd 3 (pipe-channel.ts): the first frame is the boot,
 * then control messages and calls, all on the same stream; beats go out on a timer.
 *
 * Nothing outlives the host: when the pipe closes (the host ended, even by SIGKILL),
 * this process kills its process group, itself and anything it started.
 */
import { writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { toWireError } from '../wire-error.js';
import { PipeChannel } from '../transport/pipe-channel.js';
import type {
  AnyFrame,
  HostMessage,
  ProcessBoot,
  ProcessMessage,
  WorkerMessage,
} from '../transport/wire.js';
import { CallRunner } from './call-runner.js';
import { runPluginWorker } from './plugin-worker.js';

/** The fd of the pipe to the host (stdin, stdout and stderr are 0-2). */
const PIPE_FD = 3;
/** The host is trusted: it sends nothing this large, and a frame that is is a bug there. */
const MAX_HOST_FRAME_BYTES = 1 << 30;

/** Runs this process as a plugin worker; returns once it is listening to the host. */
export function runProcessWorker(): void {
  const socket = new Socket({ fd: PIPE_FD, readable: true, writable: true });
  let onControl: ((message: HostMessage) => void) | undefined;
  let runner: CallRunner | undefined;
  let booted = false;
  const channel: PipeChannel = new PipeChannel(socket, MAX_HOST_FRAME_BYTES, {
    control(message) {
      if (booted) onControl?.(message as HostMessage);
      else {
        booted = true;
        boot(message as ProcessBoot);
      }
    },
    data: (frame) => runner?.take(frame as AnyFrame),
    bytes: () => {},
    beat: () => {},
    violation: (detail) => {
      process.stderr.write(`berth plugin process: the host's pipe carried ${detail}\n`);
      endGroup();
    },
  });
  const post = (message: WorkerMessage): void => {
    try {
      channel.sendControl(message);
    } catch (error) {
      // A control reply whose value cannot be encoded (a health detail holding a
      // function, say) is answered with why, so the host's request still settles.
      if (message.type !== 'CONTROL_RESULT') throw error;
      channel.sendControl({ ...message, ok: false, error: toWireError(error) });
    }
  };
  const boot = (start: ProcessBoot): void => {
    watchForUncaught(channel);
    runPluginWorker(
      {
        post,
        onControl: (listener) => (onControl = listener),
        serve: (dispatch) => {
          const calls = new CallRunner(channel, dispatch);
          runner = calls;
          return {
            close: () => {
              calls.cancelAll();
              runner = undefined;
            },
          };
        },
        startHeartbeat: () => {
          channel.beat();
          setInterval(() => channel.beat(), start.heartbeatIntervalMs).unref();
        },
      },
      start,
    );
    // The last words (the uncaught error, the logs the plugin's logger flushes at exit)
    // go out before the process ends: registered after that logger's exit listener, as
    // listeners run in order, so the lines it posts at exit are written too. Written at
    // once, but not behind bytes still queued, which they would cut in two.
    process.on('exit', () => {
      if (socket.writableLength === 0) channel.flushTo((bytes) => writeSync(PIPE_FD, bytes));
    });
  };
  socket.on('close', endGroup);
  socket.on('error', endGroup);
}

/**
 * Tells the host of an uncaught error before Node prints it and exits (the monitor does
 * not change what Node does with it).
 */
function watchForUncaught(channel: PipeChannel): void {
  process.on('uncaughtExceptionMonitor', (error) => {
    try {
      const message: ProcessMessage = { type: 'UNCAUGHT', error: toWireError(error) };
      channel.sendControl(message);
    } catch {
      // Nothing more to say: the exit code still tells the host.
    }
  });
}

/** Ends this process and every process it started (it leads its own process group). */
function endGroup(): void {
  try {
    process.kill(-process.pid, 'SIGKILL');
  } catch {
    process.kill(process.pid, 'SIGKILL');
  }
}
