import type { TimePoint } from '@constelite/core';
import type { JsonValue } from './driver.js';

/** The value of a dynamic field as the store handles it. */
export interface Series {
  points: TimePoint[];
}

/** Plain JSON of a static value (refs and class instances become their JSON form). */
export function toJson(value: unknown): JsonValue {
  if (value === null || typeof value !== 'object') return value as JsonValue;
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}

/** Orders points by timestamp; a later point with the same timestamp replaces an earlier one. */
export function normaliseSeries(series: Series): Series {
  const byTimestamp = new Map<number, TimePoint>();
  for (const point of series.points)
    byTimestamp.set(point.timestamp, { timestamp: point.timestamp, value: toJson(point.value) });
  return { points: [...byTimestamp.values()].sort((a, b) => a.timestamp - b.timestamp) };
}

/** A series as the JSON a driver stores. */
export function seriesJson(series: Series): JsonValue {
  return normaliseSeries(series) as unknown as JsonValue;
}

/** The stored `existing` series with `added` points appended (the patch rule of dynamic fields). */
export function appendedSeriesJson(existing: JsonValue | undefined, added: Series): JsonValue {
  const points = (existing as unknown as Series | undefined)?.points ?? [];
  return seriesJson({ points: [...points, ...added.points] });
}
