/**
 * Just enough of nginx's configuration language to check deploy/nginx/espalier.conf against
 * ROUTES: a directive tree, `map` evaluation and location selection, evaluated in JS because
 * there is no nginx (let alone Docker) where these tests run.
 */

export interface Directive {
  readonly name: string;
  readonly args: readonly string[];
  readonly block?: readonly Directive[];
}

export function parseNginx(text: string): Directive[] {
  const tokens = tokenize(text);
  let i = 0;
  const parseBlock = (closing: boolean): Directive[] => {
    const out: Directive[] = [];
    while (i < tokens.length) {
      const words: string[] = [];
      while (i < tokens.length && !['{', '}', ';'].includes(tokens[i])) words.push(tokens[i++]);
      const end = tokens[i++];
      if (end === '}') {
        if (words.length) throw new Error(`nginx: "${words.join(' ')}" lacks a ";"`);
        if (!closing) throw new Error('nginx: unexpected "}"');
        return out;
      }
      if (!words.length || end === undefined) throw new Error(`nginx: unexpected ${end ?? 'end of file'}`);
      const [name, ...args] = words;
      out.push(end === '{' ? { name, args, block: parseBlock(true) } : { name, args });
    }
    if (closing) throw new Error('nginx: unexpected end of file, expecting "}"');
    return out;
  };
  return parseBlock(false);
}

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /\s+|#[^\n]*|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([{};])|([^\s{};"'#][^\s{};]*)/gy;
  for (let pos = 0; pos < text.length; pos = re.lastIndex) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) throw new Error(`nginx: cannot tokenize at offset ${pos}`);
    const value = m[1] ?? m[2] ?? m[3] ?? m[4];
    // nginx unescapes only quotes and backslashes inside quoted strings; regexes keep the rest.
    if (value !== undefined) tokens.push(value.replace(/\\(["'\\])/g, '$1'));
  }
  return tokens;
}

export function directives(block: readonly Directive[], name: string): Directive[] {
  return block.filter((d) => d.name === name);
}

export function directive(block: readonly Directive[], name: string): Directive | undefined {
  return directives(block, name)[0];
}

/**
 * `map $source $result { ... }` as nginx evaluates it: exact strings (case-insensitive), then
 * regular expressions in order (`~` case-sensitive, `~*` insensitive), then `default`.
 */
export function evaluateMap(map: Directive, input: string): string {
  const entries = map.block ?? [];
  const exact = entries.find((e) => !e.name.startsWith('~') && e.name !== 'default' && e.name.toLowerCase() === input.toLowerCase());
  if (exact) return exact.args[0];
  for (const entry of entries) {
    if (!entry.name.startsWith('~')) continue;
    const insensitive = entry.name.startsWith('~*');
    const source = entry.name.slice(insensitive ? 2 : 1);
    if (new RegExp(source, insensitive ? 'i' : '').test(input)) return entry.args[0];
  }
  return entries.find((e) => e.name === 'default')?.args[0] ?? '';
}

export interface Location {
  readonly modifier: '=' | '^~' | '';
  readonly path: string;
  readonly block: readonly Directive[];
}

export function locations(server: readonly Directive[]): Location[] {
  return directives(server, 'location').map((d) => {
    const [a, b] = d.args;
    if (b === undefined) return { modifier: '', path: a, block: d.block ?? [] };
    if (a !== '=' && a !== '^~') throw new Error(`nginx: location modifier "${a}" is not modelled here`);
    return { modifier: a, path: b, block: d.block ?? [] };
  });
}

/** nginx's choice without regex locations: an exact match, else the longest prefix. */
export function selectLocation(all: readonly Location[], path: string): Location | undefined {
  const exact = all.find((l) => l.modifier === '=' && l.path === path);
  if (exact) return exact;
  return all
    .filter((l) => l.modifier !== '=' && path.startsWith(l.path))
    .sort((x, y) => y.path.length - x.path.length)[0];
}

/**
 * Expands `$name` in `value` from `set` in the location, else from a top-level `map` on the
 * given input variables (e.g. `$http_content_type`).
 */
export function expand(
  value: string,
  location: Location,
  http: readonly Directive[],
  inputs: Readonly<Record<string, string>>,
): string {
  return value.replace(/\$(\w+)/g, (_all, name: string) => {
    const set = directives(location.block, 'set').find((d) => d.args[0] === `$${name}`);
    if (set) return set.args[1];
    const map = directives(http, 'map').find((d) => d.args[1] === `$${name}`);
    if (map) return evaluateMap(map, inputs[map.args[0].slice(1)] ?? '');
    throw new Error(`nginx: $${name} is neither set in location ${location.path} nor a map`);
  });
}
