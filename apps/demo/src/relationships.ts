import { ConsteliteClient } from '@constelite/client';
import { isConsteliteError, type Ref, ref } from '@constelite/core';
import type { DemoClient } from './client.js';
import { isMain } from './main.js';
import { Book, Cat, CatGang, Human, Page } from './models.js';
import { MEMORY_STORE_UID } from './store.js';

/** What the relationships walkthrough saw at each step (names of the related records, sorted). */
export interface RelationshipsReport {
  /** `Human.cats` of Alice after two cats named her as carer (backref of `Cat.carer`). */
  aliceCats: string[];
  /** Alice's and Bob's cats after Tom's carer was replaced by Bob (association PATCH replaces). */
  afterReplace: { alice: string[]; bob: string[] };
  /** Gang members after a PATCH adding Tom (aggregation PATCH appends). */
  gangAfterAppend: string[];
  /** Gang members after the same PATCH again (appending is a set union). */
  gangAfterSecondAppend: string[];
  /** Gang members after a PUT of `[Tom]` (aggregation PUT replaces). */
  gangAfterPut: string[];
  /** Page indexes of the book after a PATCH adding page 3 (composition PATCH appends). */
  pagesAfterAppend: number[];
  /** Page indexes of the book after a PUT of `[page 1]`. */
  pagesAfterPut: number[];
  /** Pages left in the store after that PUT (the dropped pages were deleted). */
  pagesInStoreAfterPut: number[];
  /** Pages left in the store after the book was deleted (deleted with it). */
  pagesInStoreAfterDelete: number[];
  /** After Tom was deleted: Bob's cats, the gang's members, and the error code of getting Tom. */
  afterDeletingTom: { bob: string[]; gang: string[]; getTom: string };
}

/**
 * The relationships of constelite's docs, over HTTP: a backref (`Human.cats` mirrors
 * `Cat.carer`), an association that PATCH replaces, an aggregation that PATCH appends to, and
 * a composition whose dropped and orphaned members are deleted (cascade).
 */
export async function relationshipsWalkthrough(
  client: DemoClient,
  print: (line: string) => void = console.log,
): Promise<RelationshipsReport> {
  const store = { uid: MEMORY_STORE_UID };
  const names = async (refs: readonly Ref[] | undefined): Promise<string[]> => {
    const states = await Promise.all((refs ?? []).map((member) => client.store.get({ ref: member })));
    return states.map((got) => String(got.state?.name)).sort();
  };
  const catsOf = async (human: Ref) =>
    names((await client.store.get({ ref: human })).state?.cats as Ref[] | undefined);
  const membersOf = async (gang: Ref) =>
    names((await client.store.get({ ref: gang })).state?.members as Ref[] | undefined);
  const pageIndexes = async (refs: readonly Ref[] | undefined) => {
    const pages = await Promise.all((refs ?? []).map((page) => client.store.get({ ref: page })));
    return pages.map((page) => Number(page.state?.index)).sort((a, b) => a - b);
  };
  const pagesOf = async (book: Ref) =>
    pageIndexes((await client.store.get({ ref: book })).state?.pages as Ref[] | undefined);
  const pagesInStore = async () => pageIndexes(await client.store.query({ model: Page, store }));

  print('\n# Backref: Human.cats mirrors Cat.carer');
  const alice = await client.store.put({ ref: ref(Human({ name: 'Alice' })), store });
  const bob = await client.store.put({ ref: ref(Human({ name: 'Bob' })), store });
  const snowball = await client.store.put({ ref: ref(Cat({ name: 'Snowball', carer: [alice] })), store });
  const tom = await client.store.put({ ref: ref(Cat({ name: 'Tom', carer: [alice] })), store });
  const aliceCats = await catsOf(alice);
  print(`Snowball and Tom name Alice as carer; Alice.cats: ${list(aliceCats)}`);

  print('\n# Association: PATCH replaces the list');
  await client.store.patch({ ref: tom.withState(Cat({ carer: [bob] })) });
  const afterReplace = { alice: await catsOf(alice), bob: await catsOf(bob) };
  print(
    `Tom's carer patched to [Bob]; Alice.cats: ${list(afterReplace.alice)}; Bob.cats: ${list(afterReplace.bob)}`,
  );

  print('\n# Aggregation: PATCH appends, PUT replaces, members stay independent');
  const gang = await client.store.put({
    ref: ref(CatGang({ name: 'Alley cats', members: [snowball] })),
    store,
  });
  await client.store.patch({ ref: gang.withState(CatGang({ members: [tom] })) });
  const gangAfterAppend = await membersOf(gang);
  print(`patch members [Tom] onto [Snowball]: ${list(gangAfterAppend)}`);
  await client.store.patch({ ref: gang.withState(CatGang({ members: [tom] })) });
  const gangAfterSecondAppend = await membersOf(gang);
  print(`patch members [Tom] again (set union): ${list(gangAfterSecondAppend)}`);
  await client.store.put({ ref: gang.withState(CatGang({ members: [tom] })) });
  const gangAfterPut = await membersOf(gang);
  print(
    `put members [Tom]: ${list(gangAfterPut)}; Snowball still exists: ${(await names([snowball])).join('')}`,
  );

  print('\n# Composition: PATCH appends, PUT deletes dropped pages, delete cascades');
  const book = await client.store.put({
    ref: ref(Book({ title: 'Cat care', pages: [ref(Page({ index: 1 })), ref(Page({ index: 2 }))] })),
    store,
  });
  await client.store.patch({ ref: book.withState(Book({ pages: [ref(Page({ index: 3 }))] })) });
  const pagesAfterAppend = await pagesOf(book);
  print(`book created with pages 1, 2; patch pages [3]: ${list(pagesAfterAppend)}`);
  const pageOne = await findPage(client, (await client.store.get({ ref: book })).state?.pages as Ref[], 1);
  await client.store.put({ ref: book.withState(Book({ pages: [pageOne] })) });
  const pagesAfterPut = await pagesOf(book);
  const pagesInStoreAfterPut = await pagesInStore();
  print(
    `put pages [page 1]: book pages ${list(pagesAfterPut)}; pages left in the store: ${list(pagesInStoreAfterPut)}`,
  );
  await client.store.delete({ ref: book });
  const pagesInStoreAfterDelete = await pagesInStore();
  print(`delete the book: pages left in the store: ${list(pagesInStoreAfterDelete)}`);

  print('\n# Deleting a record removes every link to it');
  await client.store.delete({ ref: tom });
  const getTom = await client.store.get({ ref: tom }).then(
    () => 'still there',
    (error: unknown) => (isConsteliteError(error) ? error.code : String(error)),
  );
  const afterDeletingTom = { bob: await catsOf(bob), gang: await membersOf(gang), getTom };
  print(
    `delete Tom: Bob.cats: ${list(afterDeletingTom.bob)}; gang members: ${list(afterDeletingTom.gang)}; get Tom: ${getTom}`,
  );

  for (const leftover of [snowball, gang, alice, bob]) await client.store.delete({ ref: leftover });
  return {
    aliceCats,
    afterReplace,
    gangAfterAppend,
    gangAfterSecondAppend,
    gangAfterPut,
    pagesAfterAppend,
    pagesAfterPut,
    pagesInStoreAfterPut,
    pagesInStoreAfterDelete,
    afterDeletingTom,
  };
}

/** The ref (without state) of the page numbered `index` among `pages`. */
async function findPage(client: DemoClient, pages: readonly Ref[], index: number): Promise<Ref> {
  for (const page of pages) {
    if ((await client.store.get({ ref: page })).state?.index === index) return page.strip();
  }
  throw new Error(`The book has no page ${index}`);
}

function list(items: readonly (string | number)[]): string {
  return items.length ? items.join(', ') : '(none)';
}

// `tsx src/relationships.ts` against a running `pnpm demo:api` (or CONSTELITE_URL).
if (isMain(import.meta.url)) {
  const client: DemoClient = new ConsteliteClient({
    url: process.env.CONSTELITE_URL ?? 'http://localhost:8001',
  });
  await relationshipsWalkthrough(client);
}
