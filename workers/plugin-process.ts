/**
 * The entry of a plugin's own process (process isolation). The plugin side lives in
 * src/plugin-side/process-worker.ts; the host starts this file with the pipe as fd 3.
 */
import { runProcessWorker } from '../src/plugin-side/process-worker.js';

runProcessWorker();
