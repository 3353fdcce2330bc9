// The query language's types live in core, so that the HTTP client has them without this
// package (docs/queries.md); the store re-exports them where its code imports them.
export type * from '@constelite/core/query';
