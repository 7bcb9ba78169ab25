/**
 * What every check is given: the policy, where its fields stand in the file, the
 * release it targets, and the real evaluator, so that checks about what gets logged
 * are answered by the same code that decides it, in first-match order.
 */
import type { SourcePos } from '../../kyaml/index.js';
import type { RequestAttributes } from '../../request.js';
import type { Policy } from '../../types.js';
import { compilePolicy, type CompiledPolicy } from '../compile.js';
import type { AuditDecision } from '../decision.js';
import { LATEST_KUBERNETES_VERSION, policyFeatures, type KubernetesVersion } from '../version.js';
import { lintRuleInfo, type LintRuleId } from './catalog.js';
import type { LintFinding, LintOptions } from './types.js';

export interface LintContext {
  readonly policy: Policy;
  readonly version: KubernetesVersion;
  /** `group: "*"` matches every group (1.36+). */
  readonly wildcardGroup: boolean;
  evaluate(attrs: RequestAttributes): AuditDecision;
  /** A finding of the given id at a field path (positioned at the nearest enclosing field the file has). */
  finding(id: LintRuleId, field: string, message: string, rule: number | null): LintFinding;
}

export function lintContext(policy: Policy, options: LintOptions = {}): LintContext {
  const version = options.kubernetesVersion ?? LATEST_KUBERNETES_VERSION;
  const wildcardGroup = policyFeatures(version).wildcardGroup;
  const positions = options.positions ?? new Map<string, SourcePos>();
  let compiled: CompiledPolicy | null = null;
  return {
    policy,
    version,
    wildcardGroup,
    evaluate(attrs) {
      compiled ??= compilePolicy(policy, { wildcardGroup });
      return compiled.evaluate(attrs);
    },
    finding(id, field, message, rule) {
      const info = lintRuleInfo(id)!;
      const pos = positionOf(positions, field);
      return { id, severity: info.severity, message, field, line: pos.line, column: pos.column, rule };
    },
  };
}

function positionOf(positions: Map<string, SourcePos>, field: string): SourcePos {
  for (let path = field; ; path = parentPath(path)) {
    const pos = positions.get(path);
    if (pos !== undefined) return pos;
    if (path === '') return { offset: 0, line: 1, column: 1 };
  }
}

function parentPath(path: string): string {
  const m = /^(.*)(\.[^.[\]]+|\[\d+\])$/.exec(path);
  return m ? m[1] : '';
}

/** "a, b and c" (at most `max` items, then "and N more"). */
export function listText(items: readonly string[], max = 4): string {
  const shown = items.slice(0, max);
  const rest = items.length - shown.length;
  if (rest > 0) return `${shown.join(', ')} and ${rest} more`;
  if (shown.length <= 1) return shown.join('');
  return `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
}
