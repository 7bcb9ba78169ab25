export { renderConfig, mergeConfig, currentAuditArgs, RENDER_TARGETS } from './render.js';
export type { RenderTarget, RenderOptions, MergeResult, KubeadmApi } from './render.js';
export { validateConfig } from './schemas.js';
export type { SchemaError, ConfigKind } from './schemas.js';
