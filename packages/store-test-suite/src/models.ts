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

/** Owner of some pets and vet of others: two backrefs of two fields of one model. */
export const SuitePerson = stateModel('SuitePerson', {
  name: z.string(),
  pets: backref((): AnyStateModel => SuitePet, 'owner'),
  patients: backref((): AnyStateModel => SuitePet, 'vet'),
});

/** Two associations to the same model: a pet's owner and its vet. */
export const SuitePet = stateModel('SuitePet', {
  name: z.string(),
  owner: association(() => SuitePerson),
  vet: association(() => SuitePerson),
});

/**
 * The query group's model: a field of every value kind a query compares (string, number,
 * boolean, list, free-form object, free-form value), two relationships to one model and a
 * dynamic field.
 */
export const SuiteItem = stateModel('SuiteItem', {
  name: z.string(),
  rank: z.number(),
  flag: z.boolean(),
  tags: z.array(z.string()),
  meta: z.record(z.string(), z.unknown()),
  extra: z.unknown(),
  owner: association(() => SuiteHuman),
  friends: aggregation(() => SuiteHuman),
  readings: dynamic(z.number()),
});

/** A sub-model of `SuiteItem` with a field of its own. */
export const SuiteSpecialItem = SuiteItem.extend('SuiteSpecialItem', { level: z.number().int() });

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
  SuitePerson,
  SuitePet,
  SuiteItem,
  SuiteSpecialItem,
} as const;

/** A model with dates: stored in their JSON form (ISO strings), given back as `Date`s. */
export const SuiteVisit = stateModel('SuiteVisit', {
  at: z.date(),
  history: z.array(z.object({ on: z.date(), note: z.string() })),
});
