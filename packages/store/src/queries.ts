// The query methods of `Store` (query, queryPage, count, iterate). The language is in
// ./query/ (docs/queries.md): checked once against the model, evaluated natively by a driver
// that can, over the required primitives otherwise.
export { countRecords, iterateRefs, queryPage, queryRefs } from './query/run.js';
export type {
  CountOptions,
  IterateOptions,
  QueryOptions,
  QueryPage,
  QueryPageOptions,
  QueryRef,
} from './query/types.js';
