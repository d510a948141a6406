/**
 * Kubernetes label selectors: the syntax `list` accepts in `labelSelector`, parsed into
 * requirements every storage plugin evaluates the same way (in memory, or translated to
 * SQL).
 *
 *   selector    := '' | requirement (',' requirement)*
 *   requirement := key ('=' | '==' | '!=') value
 *                | key ('in' | 'notin') '(' value (',' value)* ')'
 *                | key | '!' key
 *
 * Whitespace is allowed around every token. Keys are Kubernetes qualified names
 * (`app`, `example.com/app`); values are empty or Kubernetes label values, so
 * `env=` selects an empty value and `env in ()` means `env in ("")`, as in Kubernetes.
 * The set-based `>`/`<` operators of node affinity are not part of this syntax.
 */
import { BerthError, codes } from '../errors.js';

/** What a requirement tests. `notEquals` and `notIn` hold when the key is absent. */
export type LabelOperator = 'equals' | 'notEquals' | 'in' | 'notIn' | 'exists' | 'doesNotExist';

/** One comma-separated term of a selector. */
export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /**
   * One value for `equals` and `notEquals`, one or more distinct values (in selector
   * order) for `in` and `notIn`, none for `exists` and `doesNotExist`.
   */
  readonly values: readonly string[];
}

const MAX_PREFIX_LENGTH = 253;
const MAX_NAME_LENGTH = 63;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
/** Characters that end an identifier; `<` and `>` so that `a>1` fails at the operator. */
const SPECIAL = new Set(['=', '!', '(', ')', ',', '<', '>']);
const WHITESPACE = /\s/;

/**
 * True when `key` is a Kubernetes qualified name: a name of at most 63 characters
 * (alphanumerics, `-`, `_`, `.`, starting and ending alphanumeric), optionally after a
 * DNS-subdomain prefix of at most 253 characters and a `/`.
 */
export function isValidLabelKey(key: string): boolean {
  const slash = key.indexOf('/');
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (slash !== -1) {
    const prefix = key.slice(0, slash);
    if (prefix.length > MAX_PREFIX_LENGTH || !DNS_SUBDOMAIN.test(prefix)) return false;
  }
  return name.length <= MAX_NAME_LENGTH && LABEL_NAME.test(name);
}

/** True when `value` is a Kubernetes label value: empty, or a name as in a key's name part. */
export function isValidLabelValue(value: string): boolean {
  return value === '' || (value.length <= MAX_NAME_LENGTH && LABEL_NAME.test(value));
}

/**
 * Parses a selector into its requirements, in selector order. An empty or blank selector
 * yields none (it matches everything). Anything malformed throws `BERTH_ERR_INVALID_ARGUMENT`
 * whose message quotes the selector and says what was expected at which 0-based position;
 * `data` holds `{ field: 'labelSelector', selector, position, expected }`.
 */
export function parseLabelSelector(text: string): LabelRequirement[] {
  if (typeof text !== 'string') {
    throw new BerthError(codes.INVALID_ARGUMENT, 'Invalid label selector: must be a string', {
      data: { field: 'labelSelector' },
    });
  }
  return new SelectorParser(text).parse();
}

/**
 * True when `labels` satisfies every requirement (an empty list matches anything). Only
 * the object's own properties count as labels, so `constructor` is absent unless set.
 */
export function matchesLabels(
  requirements: readonly LabelRequirement[],
  labels: Readonly<Record<string, string>>,
): boolean {
  for (const { key, operator, values } of requirements) {
    const value = Object.hasOwn(labels, key) ? labels[key] : undefined;
    switch (operator) {
      case 'equals':
      case 'in':
        if (value === undefined || !values.includes(value)) return false;
        break;
      case 'notEquals':
      case 'notIn':
        if (value !== undefined && values.includes(value)) return false;
        break;
      case 'exists':
        if (value === undefined) return false;
        break;
      case 'doesNotExist':
        if (value !== undefined) return false;
        break;
    }
  }
  return true;
}

/** A single-use recursive-descent parser over one selector string. */
class SelectorParser {
  #pos = 0;
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
  }

  parse(): LabelRequirement[] {
    const requirements: LabelRequirement[] = [];
    this.#skipWhitespace();
    if (this.#atEnd()) return requirements;
    for (;;) {
      requirements.push(this.#requirement());
      this.#skipWhitespace();
      if (this.#atEnd()) return requirements;
      if (this.#peek() !== ',') this.#fail("',' or the end of the selector");
      this.#pos += 1;
    }
  }

  #requirement(): LabelRequirement {
    this.#skipWhitespace();
    if (this.#peek() === '!') {
      this.#pos += 1;
      this.#skipWhitespace();
      return { key: this.#key(), operator: 'doesNotExist', values: [] };
    }
    const key = this.#key();
    this.#skipWhitespace();
    if (this.#atEnd() || this.#peek() === ',') return { key, operator: 'exists', values: [] };
    if (this.#text.startsWith('==', this.#pos) || this.#text.startsWith('!=', this.#pos)) {
      const operator = this.#peek() === '!' ? 'notEquals' : 'equals';
      this.#pos += 2;
      return { key, operator, values: [this.#value()] };
    }
    if (this.#peek() === '=') {
      this.#pos += 1;
      return { key, operator: 'equals', values: [this.#value()] };
    }
    const start = this.#pos;
    const word = this.#identifier();
    if (word === 'in' || word === 'notin') {
      return { key, operator: word === 'in' ? 'in' : 'notIn', values: this.#valueSet() };
    }
    this.#pos = start;
    this.#fail("'=', '==', '!=', 'in', 'notin', ',' or the end of the selector");
  }

  #key(): string {
    const start = this.#pos;
    const key = this.#identifier();
    if (key === '') this.#fail('a label key');
    if (!isValidLabelKey(key)) {
      this.#pos = start;
      this.#fail('a valid label key (`name` or `dns.prefix/name`)', key);
    }
    return key;
  }

  /** A value after `=`, `==` or `!=`; the end of the selector or a `,` makes it empty. */
  #value(): string {
    this.#skipWhitespace();
    const start = this.#pos;
    const value = this.#identifier();
    if (value === '' && !this.#atEnd() && this.#peek() !== ',') this.#fail('a label value');
    if (!isValidLabelValue(value)) {
      this.#pos = start;
      this.#fail('a valid label value (at most 63 alphanumerics, -, _ or .)', value);
    }
    return value;
  }

  #valueSet(): string[] {
    this.#skipWhitespace();
    if (this.#peek() !== '(') this.#fail("'('");
    this.#pos += 1;
    const values: string[] = [];
    for (;;) {
      this.#skipWhitespace();
      const start = this.#pos;
      const value = this.#identifier();
      if (!isValidLabelValue(value)) {
        this.#pos = start;
        this.#fail('a valid label value (at most 63 alphanumerics, -, _ or .)', value);
      }
      if (!values.includes(value)) values.push(value);
      this.#skipWhitespace();
      const next = this.#peek();
      this.#pos += 1;
      if (next === ')') return values;
      if (next !== ',') {
        this.#pos -= 1;
        this.#fail("',' or ')'");
      }
    }
  }

  /** The longest run of characters that are neither whitespace nor special; may be empty. */
  #identifier(): string {
    const start = this.#pos;
    while (!this.#atEnd()) {
      const char = this.#text.charAt(this.#pos);
      if (SPECIAL.has(char) || WHITESPACE.test(char)) break;
      this.#pos += 1;
    }
    return this.#text.slice(start, this.#pos);
  }

  #skipWhitespace(): void {
    while (!this.#atEnd() && WHITESPACE.test(this.#text.charAt(this.#pos))) this.#pos += 1;
  }

  #peek(): string {
    return this.#text.charAt(this.#pos);
  }

  #atEnd(): boolean {
    return this.#pos >= this.#text.length;
  }

  #fail(expected: string, found?: string): never {
    const where = this.#atEnd()
      ? `at the end of the selector (position ${this.#pos})`
      : `at position ${this.#pos}`;
    const got = found === undefined ? '' : ` but found ${JSON.stringify(found)}`;
    throw new BerthError(
      codes.INVALID_ARGUMENT,
      `Invalid label selector ${JSON.stringify(this.#text)}: expected ${expected} ${where}${got}`,
      { data: { field: 'labelSelector', selector: this.#text, position: this.#pos, expected } },
    );
  }
}
