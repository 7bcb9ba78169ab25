/**
 * Who sends requests: a user as the authenticator produced it (username, uid, groups,
 * extra), the client's user agent and address, and the reason kube-apiserver's
 * authorizer gives when it allows the request. Each identity's JSON is rendered once,
 * in the field order of authentication/v1 UserInfo (username, uid, groups, extra; extra's
 * keys sorted, as Go writes a map), so that events can be assembled from fragments.
 */
import { goJSONString } from './text.js';

export interface Identity {
  /** For policy evaluation: the authenticated user's name, null when authentication failed. */
  readonly user: string | null;
  readonly groups: readonly string[];
  /** `"user":{...}` as written in every event of this identity. */
  readonly userPart: string;
  /** `,"sourceIPs":[...],"userAgent":"..."` (what follows impersonatedUser). */
  readonly clientPart: string;
  /** authorization.k8s.io/reason when the authorizer allows a request; "" for the Node authorizer and system:masters. */
  readonly allowReason: string;
  readonly userAgent: string;
  readonly sourceIP: string;
}

export interface UserFields {
  username: string;
  uid?: string;
  groups: readonly string[];
  extra?: Readonly<Record<string, readonly string[]>>;
}

export function userJSON(u: UserFields): string {
  let s = `{"username":${goJSONString(u.username)}`;
  if (u.uid) s += `,"uid":${goJSONString(u.uid)}`;
  if (u.groups.length > 0) s += `,"groups":[${u.groups.map(goJSONString).join(',')}]`;
  const keys = u.extra ? Object.keys(u.extra).sort() : [];
  if (keys.length > 0) {
    s += `,"extra":{${keys.map((k) => `${goJSONString(k)}:[${u.extra![k].map(goJSONString).join(',')}]`).join(',')}}`;
  }
  return `${s}}`;
}

export function makeIdentity(u: UserFields, sourceIP: string, userAgent: string, allowReason: string): Identity {
  return {
    user: u.username,
    groups: u.groups,
    userPart: `"user":${userJSON(u)}`,
    clientPart: clientPart(sourceIP, userAgent),
    allowReason,
    userAgent,
    sourceIP,
  };
}

export function clientPart(sourceIP: string, userAgent: string): string {
  return `,"sourceIPs":[${goJSONString(sourceIP)}],"userAgent":${goJSONString(userAgent)}`;
}

/** The same user from another address or client (a kubelet's user agent, a person's second laptop). */
export function withClient(id: Identity, sourceIP: string, userAgent: string): Identity {
  return { ...id, clientPart: clientPart(sourceIP, userAgent), sourceIP, userAgent };
}

/** A request that failed authentication: no user attached, so the event's user is `{}`. */
export function unauthenticated(sourceIP: string, userAgent: string): Identity {
  return { user: null, groups: [], userPart: '"user":{}', clientPart: clientPart(sourceIP, userAgent), allowReason: '', userAgent, sourceIP };
}

export type SubjectKind = 'User' | 'Group' | 'ServiceAccount';

/**
 * The RBAC authorizer's allow reason, e.g.
 * `RBAC: allowed by ClusterRoleBinding "system:kube-scheduler" of ClusterRole "system:kube-scheduler" to User "system:kube-scheduler"`.
 * A RoleBinding is named "name/namespace"; a service account subject "name/namespace".
 */
export function rbacReason(binding: { kind: 'ClusterRoleBinding' | 'RoleBinding'; name: string; namespace?: string }, role: { kind: 'ClusterRole' | 'Role'; name: string }, subject: { kind: SubjectKind; name: string; namespace?: string }): string {
  const bindingName = binding.kind === 'RoleBinding' ? `${binding.name}/${binding.namespace}` : binding.name;
  const subjectName = subject.kind === 'ServiceAccount' ? `${subject.name}/${subject.namespace}` : subject.name;
  return `RBAC: allowed by ${binding.kind} "${bindingName}" of ${role.kind} "${role.name}" to ${subject.kind} "${subjectName}"`;
}

/** The groups every service account's token carries. */
export function serviceAccountGroups(namespace: string): string[] {
  return ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'];
}

export function serviceAccountName(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/** An RBAC reason for a service account bound by a ClusterRoleBinding of the same name as its ClusterRole. */
export function serviceAccountClusterReason(binding: string, role: string, namespace: string, name: string): string {
  return rbacReason({ kind: 'ClusterRoleBinding', name: binding }, { kind: 'ClusterRole', name: role }, { kind: 'ServiceAccount', name, namespace });
}
