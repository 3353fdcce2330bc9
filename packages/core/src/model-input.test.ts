// Compile-time checks of what a model accepts: relationship members must be refs to the
// field's model (or a sub-model of it). Each `@ts-expect-error` line must fail to compile;
// `pnpm typecheck` fails when one compiles.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  type AnyStateModel,
  aggregation,
  association,
  composition,
  ModelRegistry,
  type Ref,
  type RefJSON,
  ref,
  type StateOf,
  stateModel,
} from './index.js';

const registry = new ModelRegistry();
const Sample = stateModel(
  'InputSample',
  { name: z.string().optional(), volume: z.number().optional() },
  { registry },
);
const SubSample = Sample.extend('InputSubSample', { tag: z.string().optional() });
const Plate = stateModel(
  'InputPlate',
  { name: z.string().optional(), wells: z.number().int().optional() },
  { registry },
);
const Experiment = stateModel(
  'InputExperiment',
  {
    title: z.string().optional(),
    samples: aggregation(() => Sample),
    plates: composition(() => Plate),
    anything: association((): AnyStateModel => Plate),
  },
  { registry },
);
const store = { uid: '5ef14649-fd40-40a0-a693-de36c855a181' };
const address = { uid: 'be4fab6b-98cd-4ed4-b34e-8ae7cf1c93f2', store };

describe('relationship inputs are typed by their model', () => {
  const sampleRef = ref(Sample, address);
  const subRef = ref(SubSample({ tag: 'a' }));
  const plateRef = ref(Plate, address);

  it('refs to the model, to a sub-model, and untyped refs compile and validate', () => {
    const untyped: Ref = sampleRef;
    const json: RefJSON = sampleRef.toJSON();
    const experiment = Experiment({ samples: [sampleRef, subRef, untyped, json], plates: [plateRef] });
    expect(experiment.samples?.map((r) => r.state_model_name)).toEqual([
      'InputSample',
      'InputSubSample',
      'InputSample',
      'InputSample',
    ]);
    // Relationship members read from a state go back in unchanged.
    expect(Experiment({ samples: experiment.samples }).samples).toHaveLength(4);
    // A target typed AnyStateModel (the way to break an inference cycle) accepts any ref at
    // compile time; the run-time check still knows the model.
    expect(Experiment({ anything: [plateRef] }).anything).toHaveLength(1);
    const compiles = () => Experiment({ anything: [sampleRef] });
    expect(compiles).toThrow(/not a InputPlate/);
    expectTypeOf(experiment).toEqualTypeOf<StateOf<typeof Experiment>>();
  });

  it('a ref to another model is a compile error naming both models, and a run-time error', () => {
    const typeOnly = () => {
      // @ts-expect-error a Plate ref into aggregation(Sample)
      Experiment({ samples: [plateRef] });
      // @ts-expect-error one wrong member among right ones
      Experiment({ samples: [sampleRef, plateRef] });
      // @ts-expect-error a Sample ref into composition(Plate)
      Experiment({ plates: [sampleRef] });
      // @ts-expect-error a state is not a ref
      Experiment({ samples: [Sample({ name: 'x' })] });
    };
    expectTypeOf(typeOnly).toBeFunction();
    const unchecked = Experiment as (input: unknown) => unknown;
    expect(() => unchecked({ samples: [plateRef] })).toThrow(/a ref to a InputPlate is not a InputSample/);
  });

  it('fields the model does not define are compile errors; a sub-model state keeps its own', () => {
    const typeOnly = () => {
      // @ts-expect-error InputExperiment has no field colour
      Experiment({ title: 'x', colour: 'grey' });
      // @ts-expect-error title is a string
      Experiment({ title: 3 });
    };
    expectTypeOf(typeOnly).toBeFunction();
    // A sub-model's state where its parent is expected resolves to the sub-model.
    expect(Sample(SubSample({ tag: 'b' }))).toEqual({ model_name: 'InputSubSample', tag: 'b' });
    // Input typed as the model's input, or JSON of unknown shape, still compiles.
    const input: Parameters<typeof Experiment>[0] = { title: 'typed' };
    const loose: Record<string, unknown> = { title: 'loose' };
    expect(Experiment(input).title).toBe('typed');
    expect(Experiment(loose).title).toBe('loose');
    expect(Experiment()).toEqual({ model_name: 'InputExperiment' });
  });
});
