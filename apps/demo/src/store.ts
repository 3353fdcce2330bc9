import { ValidationError } from '@constelite/core';
import { MemoryStore } from '@constelite/memory-store';
import type { Store } from '@constelite/store';

/** The uid of the seed's memory store. */
export const MEMORY_STORE_UID = '5ef14649-fd40-40a0-a693-de36c855a181';
/** The name of the seed's memory store. */
export const MEMORY_STORE_NAME = 'Memory store';

/** The store kinds `CONSTELITE_STORE` can name. */
export const STORE_KINDS = ['memory'] as const;

/**
 * The demo's store, chosen by `CONSTELITE_STORE` (default `memory`). Whatever the kind, it
 * keeps the seed's uid and name so that the walkthroughs run unchanged against it.
 */
export function createStoreFromEnv(env: Record<string, string | undefined> = process.env): Store {
  const kind = env.CONSTELITE_STORE?.trim() || 'memory';
  switch (kind) {
    case 'memory':
      return new MemoryStore({ uid: MEMORY_STORE_UID, name: MEMORY_STORE_NAME });
    default:
      throw new ValidationError(
        `CONSTELITE_STORE='${kind}' is not a store the demo knows; use one of: ${STORE_KINDS.join(', ')}`,
        { extra: { store: kind } },
      );
  }
}
