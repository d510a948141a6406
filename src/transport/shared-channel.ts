/**
 * One direction of the data plane: frames encoded into a record ring, large values in the
 * result arena, and a copying path over a MessagePort for whatever does not fit.
 *
 *   sender                                       receiver
 *   encode(frame) ─┬─ ≤ INLINE_MAX ──▶ ring record [INLINE, bytes]
 *                  ├─ arena has room ─▶ arena slot + ring record [ARENA, position, length]
 *                  └─ otherwise ──────▶ port message + ring record [PORT, length]
 *   publish once per tick ──(doorbell only if the receiver sleeps)──▶ drain in order
 *
 * Every frame has a ring record, so the receiver decodes frames in the order they were
 * encoded, whichever path their bytes took: the stream codec (codec.ts) depends on it.
 * When the ring itself is full, records wait in order in the sender's queue until the
 * receiver hands space back; nothing blocks a thread, nothing is dropped.
 */
export { FrameSender } from './frame-sender.js';
export { FrameReceiver, type FrameHandler, type ReceiverOptions } from './frame-receiver.js';
