import { settingsCatalog } from './settings.catalog';
import { isPlanned, type SettingSpec } from './setting.types';

export const CONFIG_TABLE_START = '<!-- config-table:start -->';
export const CONFIG_TABLE_END = '<!-- config-table:end -->';

const HEADER = ['Flag', 'Environment', 'Default', 'Services', 'Status', 'Description'];

/** The README's settings table, generated from the catalog (secrets' defaults left empty). */
export function configTableMarkdown(catalog: readonly SettingSpec[] = settingsCatalog): string {
  const rows = catalog.map((spec) => [
    code(spec.flag),
    spec.cliOnly ? 'command line only' : code(spec.env),
    spec.secret || spec.default === undefined ? (spec.required ? 'required' : '') : code(spec.default),
    spec.services.join(', '),
    isPlanned(spec) ? `planned (#${spec.status.plannedIn})` : 'active',
    spec.description,
  ]);
  return [HEADER, HEADER.map(() => '---'), ...rows].map((cells) => `| ${cells.map(escapeCell).join(' | ')} |`).join('\n') + '\n';
}

/** The text between the markers, or `undefined` when they are missing or out of order. */
export function extractConfigTable(markdown: string): string | undefined {
  const start = markdown.indexOf(CONFIG_TABLE_START);
  const end = markdown.indexOf(CONFIG_TABLE_END, start);
  if (start < 0 || end < 0) return undefined;
  return markdown.slice(start + CONFIG_TABLE_START.length, end).replace(/^\n+/, '').replace(/\n+$/, '\n');
}

/** Replaces only what is between the markers; `undefined` when they are missing. */
export function replaceConfigTable(markdown: string, table: string): string | undefined {
  const start = markdown.indexOf(CONFIG_TABLE_START);
  const end = markdown.indexOf(CONFIG_TABLE_END, start);
  if (start < 0 || end < 0) return undefined;
  return `${markdown.slice(0, start + CONFIG_TABLE_START.length)}\n\n${table}\n${markdown.slice(end)}`;
}

/** A README for a repository that has none yet: the heading and the markers around the table. */
export function configurationSection(table: string): string {
  return `## Configuration\n\n${CONFIG_TABLE_START}\n\n${table}\n${CONFIG_TABLE_END}\n`;
}

function code(text: string): string {
  return text === '' ? '' : `\`${text}\``;
}

/** Pipes would split the cell; `<` would open an HTML tag (`<topic>.dlq`). */
function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/</g, '&lt;');
}
