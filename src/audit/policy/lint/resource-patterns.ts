/**
 * The entries of a rule's `resources` list, read the way kube-apiserver's checker
 * compares them (checker.go, ruleMatchesResource):
 *   `*` every resource and subresource;  `pods` pods only;  `pods/log` that subresource;
 *   `pods/*` pods and every subresource of pods;  `*\/log` the log subresource of any
 *   resource;  anything else (`*\/*`, `a/b/c`, `pod*`) is compared literally and
 *   matches no resource kube-apiserver serves.
 */
export type ResourcePattern =
  | { readonly kind: 'all' }
  | { readonly kind: 'exact'; readonly resource: string; readonly subresource: string }
  | { readonly kind: 'with-subresources'; readonly resource: string }
  | { readonly kind: 'any-resource'; readonly subresource: string }
  | { readonly kind: 'never'; readonly why: string };

/** A path segment kube-apiserver could parse as a resource or subresource name. */
function isSegment(s: string): boolean {
  return s !== '' && !s.includes('/') && !s.includes('*');
}

export function parseResourcePattern(res: string): ResourcePattern {
  if (res === '*') return { kind: 'all' };
  if (res === '*/*') return { kind: 'never', why: '"*/*" is compared literally, not as "every subresource of every resource" (use "*" for everything)' };
  if (res.startsWith('*/')) {
    const sub = res.slice(2);
    return isSegment(sub) ? { kind: 'any-resource', subresource: sub } : { kind: 'never', why: `${JSON.stringify(res)} is compared literally` };
  }
  if (res.endsWith('/*')) {
    const resource = res.slice(0, -2);
    return isSegment(resource) ? { kind: 'with-subresources', resource } : { kind: 'never', why: `${JSON.stringify(res)} is compared literally` };
  }
  const slash = res.indexOf('/');
  const resource = slash < 0 ? res : res.slice(0, slash);
  const subresource = slash < 0 ? '' : res.slice(slash + 1);
  if (!isSegment(resource) || (slash >= 0 && !isSegment(subresource))) {
    const why = res.includes('*')
      ? `${JSON.stringify(res)} is compared literally: "*" is a wildcard only as the whole entry, as "resource/*" or as "*/subresource"`
      : res === ''
        ? 'an empty resource name matches nothing'
        : `${JSON.stringify(res)} is not "resource" or "resource/subresource"`;
    return { kind: 'never', why };
  }
  return { kind: 'exact', resource, subresource };
}

/** Every request `inner` matches, `outer` matches too. */
export function patternCovers(outer: ResourcePattern, inner: ResourcePattern): boolean {
  if (inner.kind === 'never' || outer.kind === 'all') return true;
  switch (outer.kind) {
    case 'exact':
      return inner.kind === 'exact' && inner.resource === outer.resource && inner.subresource === outer.subresource;
    case 'with-subresources':
      return (inner.kind === 'exact' || inner.kind === 'with-subresources') && inner.resource === outer.resource;
    case 'any-resource':
      return (inner.kind === 'exact' || inner.kind === 'any-resource') && inner.subresource === outer.subresource;
    case 'never':
      return false;
  }
}

/** Can the pattern match a request that names a subresource (so that a create carries a name)? */
export function reachesSubresources(p: ResourcePattern): boolean {
  return p.kind === 'all' || p.kind === 'with-subresources' || p.kind === 'any-resource' || (p.kind === 'exact' && p.subresource !== '');
}
