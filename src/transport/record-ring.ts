/**
 * A single-producer, single-consumer ring of records in a SharedArrayBuffer (layout in
 * shared-layout.ts). The writer appends records and publishes them in batches; the
 * reader takes them in order and hands the space back. Neither side ever blocks: a
 * writer out of space is told so (and may wait for space asynchronously); a reader with
 * nothing to read may wait asynchronously for the doorbell.
 */
export { RingWriter } from './ring-writer.js';
export { RingReader, type RecordView } from './ring-reader.js';
