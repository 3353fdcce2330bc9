import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorTable } from './errors.js';
import { type FieldKind, fieldKinds } from './fields.js';
import { endpointNames, endpoints } from './wire/endpoints.js';

// docs/concepts.md states the tables of field kinds, endpoints and error codes in prose; these
// tests hold each table to the code it describes, so that a new kind, endpoint or code (or a
// changed rule or status) fails here until the doc says it too.

const doc = readFileSync(new URL('../../../docs/concepts.md', import.meta.url), 'utf8');

/** The lines of the `## heading` section of the doc (up to the next `## `). */
function section(heading: string): string[] {
  const lines = doc.split('\n');
  const start = lines.indexOf(`## ${heading}`);
  if (start < 0) throw new Error(`docs/concepts.md has no section "## ${heading}"`);
  const end = lines.findIndex((line, index) => index > start && line.startsWith('## '));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** The rows of the Markdown tables in `lines` whose first cell is code, keyed by that code. */
function tableRows(lines: string[]): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of lines) {
    if (!line.startsWith('|')) continue;
    const cells = line
      .slice(1, line.endsWith('|') ? -1 : undefined)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim());
    const key = /^`([^`]+)`$/.exec(cells[0] ?? '')?.[1];
    if (key !== undefined) rows.set(key, cells.slice(1));
  }
  return rows;
}

describe('docs/concepts.md', () => {
  it('"Errors" lists every code of errorTable with its status and class, and no other', () => {
    const rows = tableRows(section('Errors'));
    expect([...rows.keys()].sort()).toEqual(Object.keys(errorTable).sort());
    for (const [code, { status, name }] of Object.entries(errorTable)) {
      const [documentedStatus, documentedClass] = rows.get(code) ?? [];
      expect(`${code}: ${documentedStatus}`).toBe(`${code}: ${status}`);
      expect(`${code}: ${documentedClass}`).toBe(`${code}: \`${name}\``);
    }
  });

  it('"Field kinds" gives every kind of fieldKinds with its put, patch and delete rules', () => {
    const rows = tableRows(section('Field kinds'));
    expect([...rows.keys()].sort()).toEqual(Object.keys(fieldKinds).sort());
    for (const [kind, rules] of Object.entries(fieldKinds) as [FieldKind, (typeof fieldKinds)[FieldKind]][]) {
      const cells = rows.get(kind) ?? [];
      expect({ kind, put: cells[2], patch: cells[3], deleteOwner: cells[4] }).toEqual({
        kind,
        put: `\`${rules.put}\``,
        patch: `\`${rules.patch}\``,
        deleteOwner: `\`${rules.deleteOwner}\``,
      });
    }
  });

  it('"The wire protocol" lists every endpoint of the endpoint table with its kind, and no other', () => {
    const rows = tableRows(section('The wire protocol'));
    const documented = [...rows.keys()].filter((key) => key.startsWith('POST '));
    const expected = endpointNames.map((name) => {
      const { path, match } = endpoints[name];
      return `POST ${match === 'prefix' ? `${path}<path>` : path}`;
    });
    expect(documented.sort()).toEqual([...expected].sort());
    for (const name of endpointNames) {
      const { path, match, kind } = endpoints[name];
      const row = rows.get(`POST ${match === 'prefix' ? `${path}<path>` : path}`) ?? [];
      expect(`${name}: ${row[0]}`).toBe(`${name}: ${kind}`);
    }
  });
});
