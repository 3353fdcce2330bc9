import { DuplicatePackageError } from './errors.js';

const marker = Symbol.for('@constelite/core:loaded-from');

/**
 * Records where this copy of `@constelite/core` was loaded from and throws when another copy,
 * from another place, was loaded before it. Two copies would hold two model registries and two
 * `Ref` classes that silently disagree (docs/architecture.md, "One copy of zod and core").
 * Loading the same file again (a test runner re-evaluating modules) is not a second copy.
 */
export function claimSingleCopy(loadedFrom: string, scope: object = globalThis): void {
  const holder = scope as { [marker]?: string };
  const first = holder[marker];
  if (first === undefined) {
    Object.defineProperty(holder, marker, { value: loadedFrom, configurable: true });
    return;
  }
  if (first === loadedFrom) return;
  throw new DuplicatePackageError(
    `Two copies of @constelite/core are loaded, from ${first} and from ${loadedFrom}: models registered in one are unknown to the other. Install one copy: keep @constelite/core (and zod) a peer dependency of every package that uses it, give them compatible version ranges, and run your package manager's dedupe (pnpm dedupe, npm dedupe).`,
    { extra: { package: '@constelite/core', first, second: loadedFrom } },
  );
}
