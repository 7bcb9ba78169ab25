/**
 * Lint findings as SARIF 2.1.0 (OASIS), the format GitHub code scanning and most CI
 * annotators read: one run, kubetrail as the tool, every finding id of LINT_RULES as
 * a reporting descriptor, and one result per finding located by line and column.
 */
import { LINT_RULES } from './catalog.js';
import type { CisControl } from './cis.js';
import type { LintFinding, LintSeverity } from './types.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

export interface SarifOptions {
  /** The linted file as the results should name it (a path relative to the repository root works best). */
  file: string;
  toolVersion: string;
  /** CIS 3.2 summary, kept in the run's properties. */
  cis?: readonly CisControl[];
}

const LEVEL: Record<LintSeverity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

export function toSarif(findings: readonly LintFinding[], options: SarifOptions): Record<string, unknown> {
  const ruleIndex = new Map<string, number>(LINT_RULES.map((r, i) => [r.id, i]));
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'kubetrail',
            version: options.toolVersion,
            semanticVersion: options.toolVersion,
            rules: LINT_RULES.map((r) => ({
              id: r.id,
              name: pascalCase(r.id),
              shortDescription: { text: r.title },
              fullDescription: { text: r.help },
              help: { text: r.help },
              defaultConfiguration: { level: LEVEL[r.severity] },
            })),
          },
        },
        artifacts: [{ location: { uri: options.file } }],
        results: findings.map((f) => ({
          ruleId: f.id,
          ...(ruleIndex.has(f.id) ? { ruleIndex: ruleIndex.get(f.id) } : {}),
          level: LEVEL[f.severity],
          message: { text: f.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: options.file, index: 0 },
                region: { startLine: f.line, startColumn: f.column },
              },
              ...(f.field === '' ? {} : { logicalLocations: [{ fullyQualifiedName: f.field, kind: 'member' }] }),
            },
          ],
        })),
        ...(options.cis === undefined ? {} : { properties: { cis: options.cis } }),
      },
    ],
  };
}

/** SARIF's `name` is meant to read as an identifier: `rule-shadowed` → `RuleShadowed`. */
function pascalCase(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .map((w) => (w === '' ? '' : w[0].toUpperCase() + w.slice(1)))
    .join('');
}
