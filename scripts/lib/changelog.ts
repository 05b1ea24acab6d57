/**
 * CHANGELOG.md from the spec's history: a section per API version
 * (info.version), holding the changes from the commit that set the previous
 * version to the one that set this version, grouped by what they mean to a
 * client and described as `make breaking` describes them. Changes made since
 * the current version was set go under "Unreleased".
 */
import type { Diff } from 'api-smart-diff';
import type { Change } from './describe-change';

export interface ClassifiedChange {
  type: Diff['type'];
  change: Change;
}

export interface Section {
  /** A version, or `Unreleased`. */
  title: string;
  /** What it is compared with, e.g. `0.2.0 (ba89408)`; null for the first version. */
  base: string | null;
  changes: ClassifiedChange[];
}

const HEADER = [
  '# Changelog',
  '',
  'Changes to the HTTP API, one section per `info.version` of `openapi/openapi.yaml`, newest first:',
  'what changed from the commit that set the previous version to the one that set this one.',
  'Written by `make changelog` from the spec; edit the spec, not this file.',
  '',
].join('\n');

const GROUPS: [title: string, types: Diff['type'][]][] = [
  ['Breaking', ['breaking']],
  ['Deprecated', ['deprecated']],
  ['Added and changed', ['non-breaking']],
  ['Documentation', ['annotation']],
  ['Not classified (check by hand)', ['unclassified']],
];

/** One line per operation (or part of the document) in each group, its changes in order. */
export function renderSection({ title, base, changes }: Section): string {
  const lines = [`## ${title}`, ''];
  if (base === null) return [...lines, 'The first version.', ''].join('\n');
  lines.push(`Compared with ${base}.`, '');
  const shown = changes.filter(({ change }) => !(change.where === 'info' && /^changed version/.test(change.what)));
  if (shown.length === 0) return [...lines, 'No change to the API.', ''].join('\n');
  for (const [heading, types] of GROUPS) {
    const byWhere = new Map<string, Set<string>>();
    for (const { type, change } of shown) {
      if (!types.includes(type)) continue;
      byWhere.set(
        change.where,
        (byWhere.get(change.where) ?? new Set()).add(change.what.replace(/`/g, "'").replace(/\s+/g, ' ')),
      );
    }
    if (byWhere.size === 0) continue;
    lines.push(`### ${heading}`, '');
    for (const where of [...byWhere.keys()].sort()) {
      lines.push(`- \`${where}\`: ${[...byWhere.get(where)!].sort().join('; ')}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

export function renderChangelog(sections: Section[]): string {
  return [HEADER, ...sections.map(renderSection)].join('\n');
}
