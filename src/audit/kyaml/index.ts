export { readKubeYAML, joinPath } from './read.js';
export type { KEntry, KMap, KNode, KScalar, KSeq, ReadError, ReadErrorCode, ReadOptions, ReadResult, SourcePos, DuplicateKey } from './read.js';
export { resolvePlainScalar } from './resolve.js';
export type { ResolvedScalar, ScalarKind, ScalarValue } from './resolve.js';
