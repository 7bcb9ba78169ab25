/** A lint finding a preset keeps on purpose, and why: the presets test holds each preset to its list. */
export interface AcceptedFinding {
  /** A lint finding id (see LINT_RULES in ../lint). */
  readonly id: string;
  readonly reason: string;
}
