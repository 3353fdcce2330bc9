import {
  type AnyStateModel,
  aggregation,
  association,
  backref,
  composition,
  type StateOf,
  stateModel,
} from '@constelite/core';
import { z } from 'zod';

/** The seed's cat, with a carer (an association: cats and humans live independently). */
export const Cat = stateModel('Cat', {
  name: z.string().optional(),
  carer: association(() => Human),
});
export type Cat = StateOf<typeof Cat>;

/**
 * A human; `cats` mirrors `Cat.carer` and is kept by the store. The thunk is annotated because
 * Human and Cat point at each other, which TypeScript cannot infer on its own.
 */
export const Human = stateModel('Human', {
  name: z.string().optional(),
  cats: backref((): AnyStateModel => Cat, 'carer'),
});
export type Human = StateOf<typeof Human>;

/** A gang of cats: an aggregation, so members are independent and PATCH appends to the list. */
export const CatGang = stateModel('CatGang', {
  name: z.string().optional(),
  members: aggregation(() => Cat),
});
export type CatGang = StateOf<typeof CatGang>;

/** A page of a book. */
export const Page = stateModel('Page', {
  index: z.number().int().optional(),
});
export type Page = StateOf<typeof Page>;

/** A book: a composition, so its pages cannot exist without it. */
export const Book = stateModel('Book', {
  title: z.string().optional(),
  pages: composition(() => Page),
});
export type Book = StateOf<typeof Book>;
