/**
 * The child side of the child-process IPC transport: answers each call over the IPC
 * channel. The parent forks it with `serialization: 'advanced'` (structured clone), which
 * the child's `process.send` then uses too.
 */
import { payloadFor } from '../payloads.js';
import { readyMessage, type CallReply, type CallRequest } from './wire.js';

if (process.send === undefined) throw new Error('child-process-server must be started with fork()');
const reply = process.send.bind(process);

process.on('message', ({ id, payload }: CallRequest) => {
  const message: CallReply = { id, value: payloadFor(payload, id) };
  reply(message);
});
// The parent going away (closed, or crashed) closes the channel: never outlive it.
process.once('disconnect', () => process.exit(0));
reply(readyMessage());
