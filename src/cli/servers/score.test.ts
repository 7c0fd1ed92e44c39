import { describe, expect, it } from 'vitest';
import { qualityScore, SCORE_WEIGHTS, scoreParts } from './score.js';

const now = new Date('2026-08-15T00:00:00Z');
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);
const nothing = {
  inRegistry: false,
  weeklyDownloads: null,
  lastPublish: null,
  hasRepository: false,
  hasDescription: false,
};

describe('qualityScore', () => {
  it('weights add up to 100, and everything at its best scores 100', () => {
    expect(Object.values(SCORE_WEIGHTS).reduce((a, b) => a + b, 0)).toBe(100);
    const best = {
      inRegistry: true,
      weeklyDownloads: 1_000_000,
      lastPublish: daysAgo(1),
      hasRepository: true,
      hasDescription: true,
    };
    expect(qualityScore(best, now)).toBe(100);
  });

  it('scores nothing for what is unknown', () => {
    expect(qualityScore(nothing, now)).toBe(0);
    expect(qualityScore({ ...nothing, weeklyDownloads: 0, lastPublish: new Date('not a date') }, now)).toBe(
      0,
    );
  });

  it('gives downloads points on a log scale', () => {
    const points = (weekly: number) => scoreParts({ ...nothing, weeklyDownloads: weekly }, now).downloads;
    expect(Math.round(points(10))).toBe(6);
    expect(Math.round(points(1000))).toBe(18);
    expect(points(100_000)).toBeCloseTo(30, 3);
    expect(points(10_000_000)).toBe(30);
    expect(points(100)).toBeGreaterThan(points(10));
  });

  it('gives recency full points for 90 days, then less until nothing at two years', () => {
    const points = (days: number) => scoreParts({ ...nothing, lastPublish: daysAgo(days) }, now).recency;
    expect(points(0)).toBe(20);
    expect(points(90)).toBe(20);
    expect(points(410)).toBeCloseTo(10, 5);
    expect(points(730)).toBe(0);
    expect(points(3000)).toBe(0);
    expect(points(-5)).toBe(20); // a clock a little behind the registry's
  });

  it('counts the registry listing, a repository and a description at their weights', () => {
    expect(qualityScore({ ...nothing, inRegistry: true }, now)).toBe(25);
    expect(qualityScore({ ...nothing, hasRepository: true }, now)).toBe(15);
    expect(qualityScore({ ...nothing, hasDescription: true }, now)).toBe(10);
  });
});

describe('qualityScore, dates from the future', () => {
  it('counts a publish date beyond a week ahead of the clock as unknown, not as fresh', () => {
    const points = (days: number) => scoreParts({ ...nothing, lastPublish: daysAgo(days) }, now).recency;
    expect(points(-30)).toBe(0);
    expect(points(-3650)).toBe(0);
    expect(qualityScore({ ...nothing, lastPublish: new Date('2099-01-01T00:00:00Z') }, now)).toBe(0);
  });
});
