/**
 * The syntax tree of a search. Values are kept as the user typed them
 * (unescaped); field names are resolved to columns only when rendering.
 */
export type SearchNode = AndNode | OrNode | NotNode | MatchNode;

export interface AndNode {
  readonly kind: 'and';
  readonly children: readonly SearchNode[];
}

export interface OrNode {
  readonly kind: 'or';
  readonly children: readonly SearchNode[];
}

export interface NotNode {
  readonly kind: 'not';
  readonly child: SearchNode;
}

export type Comparison = '>' | '>=' | '<' | '<=';

/** What a single term asks of its field (or of the default text column when `field` is undefined). */
export type MatchValue =
  /** A bare word: whole-token match without a field, substring with one. */
  | { readonly type: 'term'; readonly text: string }
  /** "quoted": phrase without a field, exact equality with one. */
  | { readonly type: 'phrase'; readonly text: string }
  /** `bar*`, `*bar`, `*bar*`. */
  | {
      readonly type: 'wildcard';
      readonly text: string;
      readonly leading: boolean;
      readonly trailing: boolean;
    }
  /** `field:*` */
  | { readonly type: 'exists' }
  | { readonly type: 'compare'; readonly op: Comparison; readonly text: string }
  | {
      readonly type: 'range';
      readonly low: string | undefined;
      readonly high: string | undefined;
      readonly lowInclusive: boolean;
      readonly highInclusive: boolean;
    };

export interface MatchNode {
  readonly kind: 'match';
  readonly field: string | undefined;
  readonly value: MatchValue;
}
