import { fieldKinds } from '@constelite/core';
import type { StoreContext } from './context.js';
import type { JsonValue, RecordKey, SeriesWindow, StorageTransaction, StoredPoint } from './driver.js';
import { storeFault } from './errors.js';
import type { WriteMode } from './methods.js';
import { normaliseSeries, type Series } from './values.js';

// Dynamic fields (docs/concepts.md, "Field kinds"): a put replaces a series, a patch appends to
// it, a point whose timestamp is there replaces its value, and a read may ask for a window of
// it. A driver that declares `capabilities.series` keeps each series apart from the record's
// fields, so that an append costs O(k log n); for any other driver a series is one JSON value
// of the fields, read and rewritten whole.

/** The points of a series as a driver stores them: JSON values, distinct timestamps, ascending. */
export function storedPoints(series: Series): StoredPoint[] {
  return normaliseSeries(series).points as StoredPoint[];
}

/** The series primitives of `tx`, which a driver that declares `capabilities.series` must have. */
function seriesPrimitives(ctx: StoreContext, tx: StorageTransaction) {
  const { readSeries, appendPoints, clearSeries } = tx;
  if (!readSeries || !appendPoints || !clearSeries) {
    throw storeFault(
      ctx,
      new Error(
        'the driver declares capabilities.series but its transaction lacks readSeries, appendPoints or clearSeries',
      ),
    );
  }
  return {
    read: (uid: string, field: string, window: SeriesWindow) => readSeries.call(tx, uid, field, window),
    append: (key: RecordKey, field: string, points: readonly StoredPoint[]) =>
      points.length > 0 ? appendPoints.call(tx, key, field, points) : Promise.resolve(),
    clear: (uid: string, field: string) => clearSeries.call(tx, uid, field),
  };
}

/** The points of a series kept in a record's fields (by a driver without series of its own). */
function pointsOf(value: JsonValue | undefined): StoredPoint[] {
  const points = (value as { points?: unknown } | null | undefined)?.points;
  return Array.isArray(points) ? (points as StoredPoint[]) : [];
}

/** The points of `points` (ascending) within `window`. */
export function inWindow(points: readonly StoredPoint[], window: SeriesWindow): StoredPoint[] {
  const { from, to } = window;
  if (from === undefined && to === undefined) return points as StoredPoint[];
  return points.filter(
    (point) => (from === undefined || point.timestamp >= from) && (to === undefined || point.timestamp <= to),
  );
}

/** Writes the series of a record created now. */
export async function createSeries(
  ctx: StoreContext,
  tx: StorageTransaction,
  key: RecordKey,
  series: readonly [string, Series][],
): Promise<void> {
  const primitives = seriesPrimitives(ctx, tx);
  for (const [field, value] of series) await primitives.append(key, field, storedPoints(value));
}

/**
 * Writes `value` onto the series of `field` of record `key` by the rule of `mode` (replace
 * under put, append under patch), in a driver that keeps series.
 */
export async function writeSeries(
  ctx: StoreContext,
  tx: StorageTransaction,
  key: RecordKey,
  field: string,
  value: Series,
  mode: WriteMode,
): Promise<void> {
  const primitives = seriesPrimitives(ctx, tx);
  if (fieldKinds.dynamic[mode] === 'replace') await primitives.clear(key.uid, field);
  await primitives.append(key, field, storedPoints(value));
}

/**
 * The JSON form of the dynamic fields of a stored record, within `window`: from the driver's
 * series (with any points still in the record's fields from before), or from the fields. A
 * series without points in the window is left out, as a field never written is.
 */
export async function readSeriesFields(
  ctx: StoreContext,
  tx: StorageTransaction,
  uid: string,
  fields: Record<string, JsonValue>,
  dynamicFields: readonly string[],
  window: SeriesWindow,
): Promise<Record<string, JsonValue | undefined>> {
  const out: Record<string, JsonValue | undefined> = {};
  const primitives = ctx.seriesInDriver ? seriesPrimitives(ctx, tx) : null;
  for (const field of dynamicFields) {
    let points = inWindow(pointsOf(fields[field]), window);
    if (primitives) {
      const kept = await primitives.read(uid, field, window);
      if (points.length > 0) points = storedPoints({ points: [...points, ...kept] } as Series);
      else points = kept;
    }
    out[field] = points.length > 0 ? ({ points } as unknown as JsonValue) : undefined;
  }
  return out;
}
