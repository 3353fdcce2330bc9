/** The methods a store may offer. */
export type StoreMethod = 'put' | 'get' | 'patch' | 'delete' | 'query' | 'bulkGet';

/** Every store method, the default of `allowedMethods`. */
export const ALL_STORE_METHODS: readonly StoreMethod[] = [
  'put',
  'get',
  'patch',
  'delete',
  'query',
  'bulkGet',
];

/** The two write methods, whose rules differ per field kind. */
export type WriteMode = 'put' | 'patch';
