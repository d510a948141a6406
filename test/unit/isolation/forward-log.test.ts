import { pino, type Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { forwardLog } from '../../../src/isolation/forward-log.js';

/** A host logger whose records are kept, parsed. */
function capture(): { logger: Logger; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'trace' },
    { write: (line: string) => records.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, records };
}

describe('forwarding a plugin log line through the host logger', () => {
  it('re-emits it at its own level with its own fields and message, stamped with the host time', () => {
    const { logger, records } = capture();
    const before = Date.now();
    forwardLog(
      logger,
      '{"level":50,"time":1,"msg":"disk full","service":"store","err":{"message":"x"}}\n',
      'blobs',
    );
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      level: 50,
      msg: 'disk full',
      service: 'store',
      err: { message: 'x' },
      plugin: 'blobs',
    });
    expect(records[0]?.['time']).toBeGreaterThanOrEqual(before);
  });

  it.each([10, 20, 30, 40, 50, 60])('keeps level %i', (level) => {
    const { logger, records } = capture();
    forwardLog(logger, JSON.stringify({ level, msg: 'm' }), 'p');
    expect(records[0]?.['level']).toBe(level);
  });

  it('sets the plugin field to the plugin that wrote the line, whatever the line says', () => {
    const { logger, records } = capture();
    forwardLog(logger, '{"level":30,"plugin":"admin","msg":"I am the admin"}', 'mallory');
    expect(records[0]?.['plugin']).toBe('mallory');
    expect(JSON.stringify(records[0])).not.toContain('"admin"');
  });

  it("leaves the host's own fields (pid, hostname, bindings) as the host has them", () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) }).child({
      region: 'eu',
    });
    forwardLog(
      logger,
      '{"level":30,"pid":1,"hostname":"elsewhere","region":"us","msg":"m","kept":1}',
      'p',
    );
    expect(lines[0]).not.toMatch(/"pid":1,|elsewhere|"us"/);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      pid: process.pid,
      region: 'eu',
      kept: 1,
      plugin: 'p',
    });
  });

  it.each([
    ['a level that is not a number', '{"level":"error","msg":"m"}'],
    ['a level no logger has', '{"level":35,"msg":"m"}'],
    ['no level', '{"msg":"m"}'],
  ])('logs a line with %s at info', (_, line) => {
    const { logger, records } = capture();
    forwardLog(logger, line, 'p');
    expect(records[0]).toMatchObject({ level: 30, msg: 'm', plugin: 'p' });
  });

  it('logs a message that is not a string as an empty one', () => {
    const { logger, records } = capture();
    forwardLog(logger, '{"level":30,"msg":{"nested":true}}', 'p');
    expect(records[0]).toMatchObject({ msg: '', plugin: 'p' });
  });

  it.each([
    ['not JSON', '{"level":30,'],
    ['not JSON at all', 'hello\n'],
    ['empty', ''],
  ])('warns of a line that is %s, naming the plugin', (_, line) => {
    const { logger, records } = capture();
    expect(() => forwardLog(logger, line, 'p')).not.toThrow();
    expect(records).toEqual([
      expect.objectContaining({
        level: 40,
        plugin: 'p',
        line,
        msg: expect.stringMatching(/not JSON/),
      }),
    ]);
  });

  it.each([
    ['a number', '42'],
    ['a string', '"text"'],
    ['null', 'null'],
    ['a boolean', 'true'],
    ['an array', '[{"level":60,"msg":"fatal"}]'],
  ])('warns of JSON that is %s rather than an object', (_, line) => {
    const { logger, records } = capture();
    forwardLog(logger, line, 'p');
    expect(records).toEqual([
      expect.objectContaining({
        level: 40,
        plugin: 'p',
        msg: expect.stringMatching(/not a JSON object/),
      }),
    ]);
  });

  it('never throws on a huge line, JSON or not', () => {
    const { logger, records } = capture();
    const huge = 'x'.repeat(4 << 20);
    expect(() => forwardLog(logger, huge, 'p')).not.toThrow();
    expect(() => forwardLog(logger, JSON.stringify({ level: 30, msg: huge }), 'p')).not.toThrow();
    expect(records).toHaveLength(2);
  });

  it('keeps a __proto__ field a field, not a prototype', () => {
    const { logger, records } = capture();
    forwardLog(logger, '{"level":30,"msg":"m","__proto__":{"polluted":true}}', 'p');
    expect(records).toHaveLength(1);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('never throws when the logger drops the level', () => {
    const records: string[] = [];
    const logger = pino({ level: 'silent' }, { write: (line: string) => records.push(line) });
    expect(() => forwardLog(logger, '{"level":60,"msg":"m"}', 'p')).not.toThrow();
    expect(() => forwardLog(logger, 'junk', 'p')).not.toThrow();
    expect(records).toEqual([]);
  });
});
