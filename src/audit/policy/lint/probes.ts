/**
 * Representative requests ("probes"): concrete request attributes standing for a
 * class of requests, such as "a person reading a Secret in kube-system". Checks run
 * probes through the real evaluator and report what happens to them, so every such
 * finding is backed by a request that really gets that decision.
 *
 * The default actors are the identities a cluster actually sees. The users and
 * groups a policy names are added as actors of their own, and the namespaces and
 * resource names it names are added to the probes, because those are exactly the
 * values a rule singles out.
 */
import type { RequestAttributes } from '../../request.js';
import type { Policy, PolicyRule } from '../../types.js';
import { resourceMatches } from '../interpret.js';
import { resourceInfo } from './kubernetes-api.js';

export type ActorKind =
  /** A person (OIDC, client certificate). */
  | 'human'
  /** A cluster administrator (system:masters or kubeadm:cluster-admins). */
  | 'admin'
  /** A workload's service account outside kube-system. */
  | 'workload'
  /** Control-plane components and controllers, kube-system service accounts included. */
  | 'component'
  /** A kubelet (system:nodes). */
  | 'node'
  | 'anonymous'
  /** A request that failed authentication: no user is attached. */
  | 'unauthenticated';

export interface Actor {
  readonly kind: ActorKind;
  /** How messages name it, e.g. `human user "alice"`. */
  readonly label: string;
  readonly user: string | null;
  readonly groups: readonly string[];
}

const AUTHENTICATED = 'system:authenticated';

function actor(kind: ActorKind, user: string | null, groups: readonly string[], label?: string): Actor {
  return { kind, user, groups, label: label ?? (user === null ? 'a request without a user (failed authentication)' : `${KIND_LABELS[kind]} "${user}"`) };
}

const KIND_LABELS: Record<ActorKind, string> = {
  human: 'user',
  admin: 'admin',
  workload: 'service account',
  component: 'component',
  node: 'node',
  anonymous: 'anonymous user',
  unauthenticated: 'unauthenticated',
};

function serviceAccount(namespace: string, name: string): Actor {
  const kind: ActorKind = namespace === 'kube-system' ? 'component' : 'workload';
  return actor(kind, `system:serviceaccount:${namespace}:${name}`, ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, AUTHENTICATED]);
}

export const DEFAULT_ACTORS: readonly Actor[] = [
  actor('human', 'alice', [AUTHENTICATED]),
  actor('admin', 'kubernetes-admin', ['kubeadm:cluster-admins', AUTHENTICATED]),
  actor('admin', 'admin', ['system:masters', AUTHENTICATED]),
  serviceAccount('team-a', 'app'),
  serviceAccount('kube-system', 'replicaset-controller'),
  actor('component', 'system:kube-controller-manager', [AUTHENTICATED]),
  actor('component', 'system:kube-scheduler', [AUTHENTICATED]),
  actor('component', 'system:apiserver', ['system:masters', AUTHENTICATED]),
  actor('component', 'system:kube-proxy', [AUTHENTICATED]),
  serviceAccount('kube-system', 'kube-proxy'),
  actor('node', 'system:node:worker-1', ['system:nodes', AUTHENTICATED]),
  actor('anonymous', 'system:anonymous', ['system:unauthenticated']),
  actor('unauthenticated', null, []),
];

/**
 * Most actors, namespaces and names taken from the policy. Probes are a cross
 * product, so these bound a lint's cost on huge generated policies; past them,
 * findings stay true but may miss a case that only a later-listed value shows.
 */
export const MAX_NAMED_USERS = 16;
export const MAX_NAMED_GROUPS = 8;
export const MAX_POLICY_NAMESPACES = 6;
export const MAX_POLICY_NAMES = 3;

/** The default actors plus one per user and per group the policy names (up to the limits above). */
export function actorsFor(policy: Policy): Actor[] {
  const actors = [...DEFAULT_ACTORS];
  const knownUsers = new Set(actors.map((a) => a.user));
  const users = [...new Set(policy.rules.flatMap((r) => r.users))].slice(0, MAX_NAMED_USERS);
  // A name with * or ? is a glob some other tools accept; kube-apiserver compares it
  // literally and the loader reports it (literal-pattern), so it stands for nobody.
  const literal = (name: string) => /[*?]/.test(name);
  for (const user of users) {
    if (knownUsers.has(user) || literal(user)) continue;
    const sa = /^system:serviceaccount:([^:]+):(.+)$/.exec(user);
    if (sa) actors.push(serviceAccount(sa[1], sa[2]));
    else if (user.startsWith('system:node:')) actors.push(actor('node', user, ['system:nodes', AUTHENTICATED]));
    else if (user === 'system:anonymous') continue;
    else actors.push(actor(user.startsWith('system:') ? 'component' : 'human', user, [AUTHENTICATED]));
  }
  const knownGroups = new Set(['system:nodes', 'system:masters', 'system:unauthenticated', AUTHENTICATED, 'kubeadm:cluster-admins', 'system:serviceaccounts']);
  const groups = [...new Set(policy.rules.flatMap((r) => r.userGroups))].slice(0, MAX_NAMED_GROUPS);
  for (const group of groups) {
    if (knownGroups.has(group) || literal(group)) continue;
    const kind: ActorKind = group.startsWith('system:serviceaccounts:') ? (group === 'system:serviceaccounts:kube-system' ? 'component' : 'workload') : group.startsWith('system:') ? 'component' : 'human';
    actors.push(actor(kind, `member-of:${group}`, [group, AUTHENTICATED], `member of group "${group}"`));
  }
  return actors;
}

export interface Probe {
  readonly attrs: RequestAttributes;
  readonly actor: Actor;
}

/** `secrets`, `pods/exec`, `apps/deployments`. */
export function describeResource(a: RequestAttributes): string {
  const resource = a.subresource === '' ? a.resource : `${a.resource}/${a.subresource}`;
  return a.apiGroup === '' ? resource : `${a.apiGroup}/${resource}`;
}

export interface ResourceTarget {
  readonly group: string;
  /** `secrets` or `pods/exec`. */
  readonly resource: string;
}

const DEFAULT_NAMESPACES = ['team-a', 'kube-system'];

/**
 * Probes for these verbs on a resource, by these actors: in each namespace that
 * matters (two ordinary ones, the ones the policy names, and "" for lists across all
 * namespaces), with a name where the verb carries one (and each name the policy
 * lists for the resource).
 */
export function resourceProbes(policy: Policy, actors: readonly Actor[], target: ResourceTarget, verbs: readonly string[]): Probe[] {
  const [resource, subresource = ''] = target.resource.split('/', 2);
  const clusterScoped = resourceInfo(target.group, target.resource)?.clusterScoped ?? false;
  const touching = policy.rules.filter((r) => mayTouch(r, target));
  const policyNamespaces = [...new Set(touching.flatMap((r) => r.namespaces).filter((n) => n !== '' && !DEFAULT_NAMESPACES.includes(n)))].slice(0, MAX_POLICY_NAMESPACES);
  const namespaces = clusterScoped ? [''] : [...DEFAULT_NAMESPACES, ...policyNamespaces];
  const names = ['web-0', ...[...new Set(namesFor(touching, target))].slice(0, MAX_POLICY_NAMES)];
  const probes: Probe[] = [];
  for (const verb of verbs) {
    const named = verb !== 'list' && verb !== 'watch' && verb !== 'deletecollection' && (verb !== 'create' || subresource !== '');
    const verbNamespaces = !clusterScoped && (verb === 'list' || verb === 'watch') ? [...namespaces, ''] : namespaces;
    for (const namespace of verbNamespaces) {
      for (const name of named ? names : ['']) {
        for (const who of actors) {
          probes.push({ actor: who, attrs: resourceAttrs(who, verb, target.group, resource, subresource, namespace, name) });
        }
      }
    }
  }
  return probes;
}

/** Could the rule's resources list match requests for the target (by group, ignoring names)? */
function mayTouch(rule: PolicyRule, target: ResourceTarget): boolean {
  if (rule.resources.length === 0) return rule.nonResourceURLs.length === 0;
  const [resource, subresource = ''] = target.resource.split('/', 2);
  return rule.resources.some(
    (gr) => (gr.group === target.group || gr.group === '*') && (gr.resources.length === 0 || gr.resources.some((res) => resourceMatches(res, resource, subresource, target.resource))),
  );
}

function namesFor(rules: readonly PolicyRule[], target: ResourceTarget): string[] {
  return rules.flatMap((r) => r.resources.filter((gr) => gr.group === target.group || gr.group === '*').flatMap((gr) => gr.resourceNames));
}

export function resourceAttrs(who: Actor, verb: string, group: string, resource: string, subresource: string, namespace: string, name: string): RequestAttributes {
  const prefix = group === '' ? '/api/v1' : `/apis/${group}/v1`;
  const nsPart = namespace === '' || resource === 'namespaces' ? '' : `/namespaces/${namespace}`;
  const path = `${prefix}${nsPart}/${resource}${name === '' ? '' : `/${name}`}${subresource === '' ? '' : `/${subresource}`}`;
  return {
    user: who.user,
    groups: who.user === null ? [] : who.groups,
    verb,
    resourceRequest: true,
    apiGroup: group,
    apiVersion: 'v1',
    resource,
    subresource,
    namespace: resource === 'namespaces' ? name : namespace,
    name,
    path,
  };
}

export function nonResourceProbes(actors: readonly Actor[], verb: string, paths: readonly string[]): Probe[] {
  return paths.flatMap((path) =>
    actors.map((who) => ({
      actor: who,
      attrs: {
        user: who.user,
        groups: who.user === null ? [] : who.groups,
        verb,
        resourceRequest: false,
        apiGroup: '',
        apiVersion: '',
        resource: '',
        subresource: '',
        namespace: '',
        name: '',
        path,
      },
    })),
  );
}

export function actorsOfKind(actors: readonly Actor[], ...kinds: ActorKind[]): Actor[] {
  return actors.filter((a) => kinds.includes(a.kind));
}

const KIND_PLURALS: Record<ActorKind, string> = {
  human: 'users',
  admin: 'admins',
  workload: 'service accounts',
  component: 'components',
  node: 'nodes',
  anonymous: 'anonymous users',
  unauthenticated: 'unauthenticated requests',
};

/** `user "alice", 6 components and node "system:node:worker-1"`, or `anyone` when every kind of actor is there. */
export function describeActors(actors: readonly Actor[]): string {
  const byKind = new Map<ActorKind, Set<string>>();
  for (const a of actors) byKind.set(a.kind, (byKind.get(a.kind) ?? new Set()).add(a.label));
  if (byKind.size === Object.keys(KIND_PLURALS).length) return 'anyone';
  const parts = [...byKind].map(([kind, labels]) => (labels.size === 1 ? [...labels][0] : `${labels.size} ${KIND_PLURALS[kind]}`));
  return joinList(parts);
}

/**
 * `get and update coordination.k8s.io/leases; get /healthz` — per resource (or path)
 * the verbs, and the namespaces when only some of the probed ones are concerned.
 */
export function describeRequests(probes: readonly Probe[], max = 4): string {
  const byWhat = new Map<string, { verbs: Set<string>; namespaces: Set<string>; scoped: boolean }>();
  for (const { attrs: a } of probes) {
    const what = a.resourceRequest ? describeResource(a) : a.path;
    const scoped = a.resourceRequest && a.resource !== 'namespaces' && resourceInfo(a.apiGroup, describeResource({ ...a, apiGroup: '' }))?.clusterScoped !== true;
    const entry = byWhat.get(what) ?? { verbs: new Set<string>(), namespaces: new Set<string>(), scoped };
    entry.verbs.add(a.verb);
    entry.namespaces.add(a.namespace);
    byWhat.set(what, entry);
  }
  const parts = [...byWhat].map(([what, { verbs, namespaces, scoped }]) => {
    const everywhere = DEFAULT_NAMESPACES.every((n) => namespaces.has(n));
    const where = !scoped || everywhere ? '' : ` in ${joinList([...namespaces].map((n) => (n === '' ? 'all namespaces' : n)))}`;
    return `${joinList([...verbs])} ${what}${where}`;
  });
  const shown = parts.slice(0, max);
  return parts.length > max ? `${shown.join('; ')}; and ${parts.length - max} more` : shown.join('; ');
}

function joinList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
