import { cpus, totalmem } from 'node:os';
import { fmt, type Summary } from './stats.js';

/** One line of a results table; `budget: 'report only'` rows have no verdict. */
export interface Row {
  name: string;
  result: string;
  /** Already formatted: `what: value unit`. */
  baseline?: string;
  /** result ÷ baseline, when both are the same kind of number. */
  ratio?: number;
  budget: string;
  pass: boolean;
}

/** A titled table with the notes that say how its figures were taken. */
export interface Section {
  title: string;
  rows: Row[];
  notes: string[];
}

export const REPORT_ONLY = 'report only';

/** `7.70 ms (5.13–22.84, n=300)`, or `80.4 MB` for a single value. */
export function formatSummary(s: Summary, unit: string): string {
  return s.n > 1
    ? `${fmt(s.median)} ${unit} (${fmt(s.min)}–${fmt(s.max)}, n=${s.n})`
    : `${fmt(s.median, 1)} ${unit}`;
}

export function formatBaseline(name: string, s: Summary, unit: string): string {
  return `${name}: ${fmt(s.median, s.n > 1 ? 2 : 1)} ${unit}`;
}

/** A row that reports a figure without a budget. */
export const reportOnly = (name: string, result: string, baseline?: string, ratio?: number): Row => ({
  name,
  result,
  ...(baseline !== undefined ? { baseline } : {}),
  ...(ratio !== undefined ? { ratio } : {}),
  budget: REPORT_ONLY,
  pass: true,
});

export const single = (v: number): Summary => ({ median: v, min: v, max: v, n: 1 });

/** The machine line that heads RESULTS.md: only ratios within one run compare across machines. */
export function machineLine(now: Date): string {
  return (
    `Written by \`npm run bench\` on ${now.toISOString()}. Machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ` +
    `${Math.round(totalmem() / 1024 ** 3)} GiB, Node ${process.version}. All traffic on 127.0.0.1.`
  );
}

export function renderReport(now: Date, intro: string, sections: readonly Section[]): string {
  const lines = ['# Benchmark results', '', `${machineLine(now)} ${intro}`, ''];
  for (const section of sections) {
    lines.push(`## ${section.title}`, '');
    lines.push('| measurement | result | baseline | ratio | budget | verdict |', '|---|---|---|---|---|---|');
    for (const r of section.rows) {
      const ratio = r.ratio !== undefined && Number.isFinite(r.ratio) ? `${fmt(r.ratio)}×` : '—';
      const verdict = r.budget === REPORT_ONLY ? '—' : r.pass ? 'PASS' : 'MISS';
      lines.push(`| ${r.name} | ${r.result} | ${r.baseline ?? '—'} | ${ratio} | ${r.budget} | ${verdict} |`);
    }
    lines.push('');
    if (section.notes.length) {
      for (const note of section.notes) lines.push(`- ${note}`);
      lines.push('');
    }
  }
  return `${lines.join('\n')}\n`;
}
