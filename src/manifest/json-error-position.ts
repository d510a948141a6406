/**
 * Where a JSON text first goes wrong. Node 20's `JSON.parse` names a position for some
 * syntax errors but not for others (`Unexpected token '}', "{"a":}" is not valid JSON`),
 * and a plugin author needs a line and column either way, so this re-scans the text
 * with the JSON grammar. It runs only after `JSON.parse` has already failed.
 */

/** A 0-based offset into a text, with the 1-based line and column editors show. */
export interface TextPosition {
  position: number;
  line: number;
  column: number;
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const SIMPLE_ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const LITERALS = ['true', 'false', 'null'];
const DIGIT = /[0-9]/;
const HEX = /[0-9A-Fa-f]/;

/**
 * The position of the first character at which `text` stops being valid JSON (RFC 8259),
 * `text.length` when it ends too early, or undefined when it is valid. Iterative, so
 * deep nesting cannot overflow the stack.
 */
export function jsonErrorPosition(text: string): TextPosition | undefined {
  const offset = scan(text);
  return offset === undefined ? undefined : positionAt(text, offset);
}

/** The line and column (both 1-based) of a 0-based offset in `text`. */
export function positionAt(text: string, position: number): TextPosition {
  const before = text.slice(0, position);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { position, line: before.split('\n').length, column: position - lineStart + 1 };
}

function scan(text: string): number | undefined {
  let i = 0;
  const open: string[] = [];
  const skipSpace = (): void => {
    while (i < text.length && WHITESPACE.has(text.charAt(i))) i++;
  };
  // Consumes an object key and its colon; returns an error offset or -1.
  const key = (): number => {
    if (text.charAt(i) !== '"') return i;
    const bad = string();
    if (bad >= 0) return bad;
    skipSpace();
    if (text.charAt(i) !== ':') return i;
    i++;
    return -1;
  };
  const string = (): number => {
    for (i++; i < text.length; i++) {
      const ch = text.charAt(i);
      if (ch === '"') {
        i++;
        return -1;
      }
      if (ch < ' ') return i;
      if (ch !== '\\') continue;
      const next = text.charAt(++i);
      if (next === 'u') {
        for (let k = 0; k < 4; k++) if (!HEX.test(text.charAt(++i))) return i;
      } else if (!SIMPLE_ESCAPES.has(next)) {
        return i;
      }
    }
    return text.length;
  };
  const digits = (): number => {
    if (!DIGIT.test(text.charAt(i))) return i;
    while (DIGIT.test(text.charAt(i))) i++;
    return -1;
  };
  const number = (): number => {
    if (text.charAt(i) === '-') i++;
    if (text.charAt(i) === '0') i++;
    else if (digits() >= 0) return i;
    if (text.charAt(i) === '.') {
      i++;
      if (digits() >= 0) return i;
    }
    if (text.charAt(i) === 'e' || text.charAt(i) === 'E') {
      i++;
      if (text.charAt(i) === '+' || text.charAt(i) === '-') i++;
      if (digits() >= 0) return i;
    }
    return -1;
  };
  const literal = (): number => {
    const word = LITERALS.find((w) => w.startsWith(text.charAt(i))) ?? '';
    for (let k = 0; k < word.length; k++, i++) if (text.charAt(i) !== word.charAt(k)) return i;
    return word === '' ? i : -1;
  };

  skipSpace();
  for (;;) {
    // A value starts here: open a container, or consume a scalar.
    const ch = text.charAt(i);
    let bad = -1;
    if (ch === '{' || ch === '[') {
      i++;
      skipSpace();
      const close = ch === '{' ? '}' : ']';
      if (text.charAt(i) !== close) {
        open.push(close);
        if (ch === '{' && (bad = key()) >= 0) return bad;
        skipSpace();
        continue;
      }
      i++;
    } else if (ch === '"') bad = string();
    else if (ch === '-' || DIGIT.test(ch)) bad = number();
    else bad = literal();
    if (bad >= 0) return bad;

    // After a value: close containers until one continues with a comma, or the text ends.
    for (;;) {
      skipSpace();
      const close = open.at(-1);
      if (close === undefined) return i < text.length ? i : undefined;
      const next = text.charAt(i);
      if (next === close) {
        open.pop();
        i++;
        continue;
      }
      if (next !== ',') return i;
      i++;
      skipSpace();
      if (close === '}' && (bad = key()) >= 0) return bad;
      skipSpace();
      break;
    }
  }
}
