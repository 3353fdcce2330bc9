import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { dynamic, isConsteliteError, stateModel } from './index.js';

const Visit = stateModel('JsonFormVisit', {
  at: z.date(),
  when: z.coerce.date().optional(),
  shout: z.string().transform((text) => text.toUpperCase()),
  history: z.array(z.object({ on: z.date(), note: z.string() })),
  temperatures: dynamic(z.object({ measuredAt: z.date(), celsius: z.number() })),
  plain: z.record(z.string(), z.unknown()),
});

describe('the JSON form of state values', () => {
  it('a date is given as a Date, travels as an ISO string and comes back as a Date through parse and fromJSON', () => {
    const at = new Date('2026-12-01T10:00:00.000Z');
    const state = Visit({
      at,
      shout: 'hi',
      history: [{ on: at, note: 'first' }],
      temperatures: { points: [{ timestamp: 1, value: { measuredAt: at, celsius: 3 } }] },
    });
    const json = JSON.parse(JSON.stringify(state)) as Record<string, unknown>;
    expect(json.at).toBe('2026-12-01T10:00:00.000Z');
    for (const back of [Visit.parse(json), Visit.fromJSON(json)]) {
      expect(back.at).toEqual(at);
      expect(back.history?.[0]?.on).toEqual(at);
      expect(back.temperatures?.points[0]?.value.measuredAt).toEqual(at);
      expect(back.shout).toBe('HI');
    }
  });

  it('a transform is not run again on its stored output', () => {
    const stored = { model_name: 'JsonFormVisit', shout: 'already upper' };
    expect(Visit.fromJSON(stored).shout).toBe('already upper');
  });

  it('fromJSON leaves a state without dates as it is (no copy) and keeps __proto__ keys as data', () => {
    const Plain = stateModel('JsonFormPlain', { data: z.unknown() });
    const json = JSON.parse('{"model_name": "JsonFormPlain", "data": {"__proto__": {"x": 1}}}') as Record<
      string,
      unknown
    >;
    expect(Plain.fromJSON(json)).toBe(json);
    const decoded = Visit.fromJSON(
      JSON.parse('{"model_name": "JsonFormVisit", "at": "2026-01-01T00:00:00Z", "plain": {"__proto__": 1}}'),
    );
    expect(Object.keys(decoded.plain ?? {})).toEqual(['__proto__']);
  });

  it('a type without a JSON form is refused when the model is defined, naming model and field', () => {
    for (const [name, schema] of [
      ['fn', z.function()],
      ['sym', z.symbol()],
      ['big', z.bigint()],
      ['map', z.map(z.string(), z.number())],
      ['nested', z.object({ inner: z.set(z.string()) })],
    ] as const) {
      let error: unknown;
      try {
        stateModel(`JsonFormBad_${name}`, { [name]: schema as z.ZodType });
      } catch (caught) {
        error = caught;
      }
      expect(isConsteliteError(error, 'VALIDATION_FAILED')).toBe(true);
      expect((error as Error).message).toContain(`JsonFormBad_${name}`);
      expect((error as Error).message).toContain(`'${name}'`);
    }
  });
});
