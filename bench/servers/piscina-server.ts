/**
 * The task module of the piscina transport. Piscina loads it in its worker and calls the
 * default export once per task (piscina requires a default export).
 */
import { payloadFor } from '../payloads.js';
import type { CallRequest } from './wire.js';

/** Answers one task with the payload it asks for (structured-cloned back by piscina). */
export default function answer({ payload, id }: CallRequest): unknown {
  return payloadFor(payload, id);
}
