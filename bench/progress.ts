/**
 * Progress on stderr while the suite runs: one rewritten line on a terminal, a line per
 * step otherwise (so CI logs show where a run stopped).
 */

/** Reports steps of a known total. */
export interface Progress {
  step(label: string): void;
  done(): void;
}

/** Makes a progress display for `total` steps. */
export function createProgress(
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  let current = 0;
  const started = Date.now();
  return {
    step(label) {
      current += 1;
      const elapsed = ((Date.now() - started) / 1000).toFixed(0);
      const line = `[${String(current).padStart(String(total).length)}/${total}] ${elapsed}s  ${label}`;
      if (stream.isTTY) stream.write(`\r\x1b[K${line}`);
      else stream.write(`${line}\n`);
    },
    done() {
      if (stream.isTTY) stream.write('\r\x1b[K');
    },
  };
}
