import {
  type AnyStateModel,
  aggregation,
  association,
  backref,
  composition,
  dynamic,
  stateModel,
} from '@constelite/core';
import { z } from 'zod';

// The suite's own models, registered in the default registry. The `Suite` prefix keeps them
// clear of the models of the store (or API) under test.

/** A value model used as a static field of `SuiteCat` (stored inside the cat, never as a record). */
export const SuiteCollar = stateModel('SuiteCollar', { colour: z.string(), size: z.number() });

/** Carer of cats; `cats` mirrors `SuiteCat.carer`. */
export const SuiteHuman = stateModel('SuiteHuman', {
  name: z.string(),
  age: z.number().int(),
  cats: backref((): AnyStateModel => SuiteCat, 'carer'),
  authored: backref((): AnyStateModel => SuitePage, 'author'),
});

/** Every static kind, a dynamic field, an association and a backref of an aggregation. */
export const SuiteCat = stateModel('SuiteCat', {
  name: z.string(),
  lives: z.number().int(),
  vaccinated: z.boolean(),
  tags: z.array(z.string()),
  info: z.object({ colour: z.string().optional(), indoor: z.boolean().optional() }),
  collar: SuiteCollar.schema,
  weight: dynamic(z.number()),
  carer: association(() => SuiteHuman),
  gangs: backref((): AnyStateModel => SuiteGang, 'members'),
});

/** A sub-model: a place that accepts a `SuiteCat` accepts a `SuiteKitten`. */
export const SuiteKitten = SuiteCat.extend('SuiteKitten', { age: z.number().int() });

/** An aggregation of independent cats. */
export const SuiteGang = stateModel('SuiteGang', {
  name: z.string(),
  members: aggregation(() => SuiteCat),
});

/** The leaf of a two-level composition. */
export const SuiteNote = stateModel('SuiteNote', { text: z.string() });

/** A composition member that owns members itself; `book` mirrors `SuiteBook.pages`. */
export const SuitePage = stateModel('SuitePage', {
  index: z.number().int(),
  notes: composition(() => SuiteNote),
  author: association(() => SuiteHuman),
  book: backref((): AnyStateModel => SuiteBook, 'pages'),
});

/** Owns its pages (composition) and lists readers (aggregation) and an editor (association). */
export const SuiteBook = stateModel('SuiteBook', {
  title: z.string(),
  pages: composition(() => SuitePage),
  readers: aggregation(() => SuiteHuman),
  editor: association(() => SuiteHuman),
});

/** Every model the suite uses, for a transport that must declare its models. */
export const suiteModels = {
  SuiteCollar,
  SuiteHuman,
  SuiteCat,
  SuiteKitten,
  SuiteGang,
  SuiteNote,
  SuitePage,
  SuiteBook,
} as const;
