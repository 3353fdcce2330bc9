import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isParsedState, ModelRegistry, ref, stateModel } from './index.js';

const registry = new ModelRegistry();
const Cat = stateModel('ParsedCat', { name: z.string(), lives: z.number().int() }, { registry });
const Kitten = Cat.extend('ParsedKitten', { age: z.number().int() });

describe('isParsedState', () => {
  it('holds for a state a model produced, and for no copy of it', () => {
    const state = Cat({ name: 'Tom', lives: 9 });
    expect(isParsedState(state)).toBe(true);
    expect(isParsedState({ ...state })).toBe(false);
    expect(isParsedState(structuredClone(state))).toBe(false);
    expect(isParsedState(JSON.parse(JSON.stringify(state)))).toBe(false);
    expect(isParsedState(Object.assign({}, state))).toBe(false);
    // The mark is not a property anyone can see, copy or print.
    expect(Object.getOwnPropertySymbols(state)).toEqual([]);
    expect(Object.getOwnPropertyNames(state)).toEqual(['model_name', 'name', 'lives']);
    expect(state).toEqual({ model_name: 'ParsedCat', name: 'Tom', lives: 9 });
  });

  it('stops holding once a field is set, added or deleted, directly or through a ref', () => {
    const changed = Cat({ name: 'Tom', lives: 9 });
    changed.lives = 1.5;
    expect(isParsedState(changed)).toBe(false);
    const restored = Cat({ name: 'Tom', lives: 9 });
    restored.lives = 8;
    restored.lives = 9;
    // (the same values as when parsed: still a valid state)
    expect(isParsedState(restored)).toBe(true);
    const added = Cat({ name: 'Tom' });
    (added as Record<string, unknown>).extra = 1;
    expect(isParsedState(added)).toBe(false);
    const deleted = Cat({ name: 'Tom', lives: 9 });
    delete deleted.lives;
    expect(isParsedState(deleted)).toBe(false);
    const through = Cat({ name: 'Tom' });
    ref(through).lives = 2.5;
    expect(isParsedState(through)).toBe(false);
  });

  it('holds for a state an outer parse resolved to a sub-model, and for its fresh parse again', () => {
    const kitten = Cat.parse({ model_name: 'ParsedKitten', name: 'Tim', age: 1 });
    expect(kitten.model_name).toBe('ParsedKitten');
    expect(isParsedState(kitten)).toBe(true);
    (kitten as Record<string, unknown>).age = 'old';
    expect(isParsedState(kitten)).toBe(false);
    expect(() => Kitten.parse(kitten)).toThrow();
    const again = Kitten.parse({ ...kitten, age: 2 });
    expect(isParsedState(again)).toBe(true);
  });

  it('never holds for what is not an object a model produced', () => {
    for (const value of [null, undefined, 1, 'x', {}, [], { model_name: 'ParsedCat', name: 'Tom' }])
      expect(isParsedState(value)).toBe(false);
    const proxied = new Proxy(Cat({ name: 'Tom' }), {});
    expect(isParsedState(proxied)).toBe(false);
  });
});
